import { HEADERS, newTraceparent, type Stage, traceIdOf } from '@tributary/contracts';
import type { Logger } from '@tributary/core';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { z } from 'zod';
import type { BrokerConnection } from './connection.ts';
import { selectBucket, selectBucketNotAfter } from './delay-buckets.ts';
import { decideAfterFailure, type FailurePolicy } from './failure-policy.ts';
import { type Decoded, decodeMessage, type MessageHeaders, readAttempt } from './message-decoding.ts';
import type { MessagingMetrics } from './metrics.ts';
import type { Outcome } from './outcome.ts';
import type { Publisher } from './publisher.ts';

export interface Delivery {
  stage: Stage;
  messageId: string;
  /** This stage's attempt for the message, from 1. */
  attempt: number;
  traceparent: string;
  traceId: string | undefined;
  redelivered: boolean;
  /** The routing key the message was published (or dead-lettered) with. */
  routingKey: string;
  headers: MessageHeaders;
  /** A child logger bound to the stage, trace and message. */
  logger: Logger;
}

export type Handler<T> = (
  message: T,
  delivery: Delivery,
) => Promise<Outcome | undefined> | Outcome | undefined;

export type ConsumerState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface ConsumerOptions<T> extends FailurePolicy {
  stage: Stage;
  /** The queue to consume; the stage's work queue by default. */
  queue?: string;
  schema: z.ZodType<T>;
  /** Reads the body instead of JSON and `schema`: for a queue whose bodies are not all of one schema. */
  decode?: (content: Buffer) => Decoded<T>;
  /** Unacked messages the broker may push at once; never unlimited. */
  prefetch: number;
  logger: Logger;
  metrics?: MessagingMetrics;
}

/**
 * Consumes a stage's work queue. Each message is decoded and validated, handed to the handler, and acked only
 * after its outcome is safe: a retry or dead letter is acked only once the broker confirmed the republish, and
 * a handler's own output is confirmed before it returns. Deliveries from a channel that has since closed are
 * never acked on the new one: the broker has already returned them to the queue.
 */
export class Consumer<T> {
  readonly #connection: BrokerConnection;
  readonly #publisher: Publisher;
  readonly #options: ConsumerOptions<T>;
  readonly #handler: Handler<T>;
  #wrapper: ChannelWrapper | undefined;
  #state: ConsumerState = 'idle';
  readonly #liveChannels = new Map<Channel, string | undefined>();
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  readonly #durationTimers = new Map<Outcome['kind'], Histogram.Internal<'stage' | 'outcome'>>();
  readonly #stageMetrics:
    | { consumed: Counter.Internal; acked: Counter.Internal; inFlight: Gauge.Internal<'stage'> }
    | undefined;

  constructor(
    connection: BrokerConnection,
    publisher: Publisher,
    options: ConsumerOptions<T>,
    handler: Handler<T>,
  ) {
    this.#connection = connection;
    this.#publisher = publisher;
    this.#options = options;
    this.#handler = handler;
    const { metrics, stage } = options;
    this.#stageMetrics = metrics && {
      consumed: metrics.consumed.labels({ stage }),
      acked: metrics.acked.labels({ stage }),
      inFlight: metrics.inFlight.labels({ stage }),
    };
  }

  get state(): ConsumerState {
    return this.#state;
  }

  /** True while a broker channel is delivering to this consumer. */
  get isConsuming(): boolean {
    return this.#state === 'running' && [...this.#liveChannels.values()].some((tag) => tag !== undefined);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    const queue = this.#options.queue ?? this.#connection.topology.names.stage(this.#options.stage).queue;
    this.#wrapper = this.#connection.createChannel(`consumer:${this.#options.stage}`, async (channel) => {
      if (this.#state !== 'running') return;
      this.#liveChannels.set(channel, undefined);
      let channelError: unknown;
      channel.once('error', (err: unknown) => {
        channelError = err;
      });
      channel.once('close', () => this.#onChannelClosed(channel, channelError));
      await channel.prefetch(this.#options.prefetch);
      const { consumerTag } = await channel.consume(queue, (msg) => {
        if (msg) this.#track(channel, msg);
        else this.#onCancelledByBroker(channel);
      });
      this.#liveChannels.set(channel, consumerTag);
    });
  }

  /** Stops taking messages: the broker delivers no more to this consumer; handlers in flight go on. */
  async stopTaking(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    for (const [channel, tag] of this.#liveChannels) {
      if (tag !== undefined) await channel.cancel(tag).catch(() => undefined);
    }
  }

  /**
   * Stops taking messages, waits for the handlers in flight to settle (they ack), then closes the channel.
   * Calling it again returns the same stop.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      return;
    }
    await this.stopTaking();
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    this.#state = 'stopped';
    await this.#wrapper?.close();
  }

  #durationTimer(kind: Outcome['kind']): Histogram.Internal<'stage' | 'outcome'> | undefined {
    const metrics = this.#options.metrics;
    if (!metrics) return undefined;
    let timer = this.#durationTimers.get(kind);
    if (!timer) {
      timer = metrics.handlerDuration.labels({ stage: this.#options.stage, outcome: kind });
      this.#durationTimers.set(kind, timer);
    }
    return timer;
  }

  #track(channel: Channel, msg: ConsumeMessage): void {
    this.#inFlight++;
    // #process settles every outcome itself and never rejects.
    void this.#process(channel, msg).then(() => {
      if (--this.#inFlight === 0 && this.#idle) {
        this.#idle();
        this.#idle = undefined;
      }
    });
  }

  #onChannelClosed(channel: Channel, channelError: unknown): void {
    this.#liveChannels.delete(channel);
    // A channel closed by a channel-level error (not by its connection going away) is not reopened by
    // amqp-connection-manager until the connection itself is rebuilt; force that so consuming resumes.
    if (channelError === undefined || this.#state !== 'running') return;
    setImmediate(() => {
      if (this.#state !== 'running' || !this.#connection.isConnected) return;
      this.#options.logger.warn(
        { err: channelError, stage: this.#options.stage },
        'consumer channel failed; reconnecting',
      );
      this.#connection.forceReconnect();
    });
  }

  #onCancelledByBroker(channel: Channel): void {
    this.#options.logger.warn({ stage: this.#options.stage }, 'broker cancelled the consumer; rebuilding');
    this.#liveChannels.set(channel, undefined);
    if (this.#state === 'running') this.#connection.forceReconnect();
  }

  async #process(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const { stage } = this.#options;
    const metrics = this.#stageMetrics;
    const started = performance.now();
    metrics?.consumed.inc();
    metrics?.inFlight.inc();
    const headers = (msg.properties.headers ?? {}) as MessageHeaders;
    const attempt = readAttempt(headers);
    const carried = headers[HEADERS.traceparent];
    const traceparent = typeof carried === 'string' ? carried : newTraceparent();
    const messageId = typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '';
    const traceId = traceIdOf(traceparent);
    // A child logger per message is not free; build it only when something is logged.
    let logger: Logger | undefined;
    const baseLogger = this.#options.logger;
    const delivery: Delivery = {
      stage,
      messageId,
      attempt,
      traceparent,
      traceId,
      redelivered: msg.fields.redelivered,
      routingKey: msg.fields.routingKey,
      headers,
      get logger() {
        logger ??= baseLogger.child({ stage, traceId, messageId });
        return logger;
      },
    };
    let result: Outcome;
    try {
      const decoded = this.#options.decode
        ? this.#options.decode(msg.content)
        : decodeMessage(msg.content, this.#options.schema);
      result = decoded.ok
        ? ((await this.#handler(decoded.value, delivery)) ?? { kind: 'done' })
        : { kind: 'dead', reason: 'invalid-message', message: decoded.error };
    } catch (err) {
      result = decideAfterFailure(err, attempt, this.#options);
      delivery.logger.warn({ err, attempt, outcome: result.kind }, 'handler failed');
    }
    try {
      if (result.kind === 'requeue') {
        if (this.#liveChannels.has(channel)) channel.nack(msg, false, true);
        this.#durationTimer('requeue')?.observe((performance.now() - started) / 1000);
        return;
      }
      const final = result.kind === 'done' ? 'done' : await this.#settle(msg, delivery, result);
      if (this.#liveChannels.has(channel)) {
        channel.ack(msg);
        metrics?.acked.inc();
      }
      this.#durationTimer(final)?.observe((performance.now() - started) / 1000);
    } catch (err) {
      // The follow-up publish did not happen (publisher closing): leave the message unacked; it comes back.
      delivery.logger.warn({ err }, 'could not settle message; it will be redelivered');
    } finally {
      metrics?.inFlight.dec();
    }
  }

  /** Makes the outcome durable; returns the outcome's kind as finally applied. */
  async #settle(
    msg: ConsumeMessage,
    delivery: Delivery,
    result: Exclude<Outcome, { kind: 'requeue' }>,
  ): Promise<Outcome['kind']> {
    const { stage, metrics, maxAttempts } = this.#options;
    if (result.kind === 'done') return 'done';
    const { attempt, headers, logger } = delivery;
    const deferrals = readCount(headers[HEADERS.deferrals]);
    if (result.kind === 'retry' && attempt < maxAttempts) {
      await this.#republishDelayed(msg, delivery, result.delayMs, {
        attempt: attempt + 1,
        [HEADERS.retryReason]: result.reason,
      });
      metrics?.retried.inc({ stage, reason: result.reason });
      logger.info({ attempt, reason: result.reason, delayMs: result.delayMs }, 'retry scheduled');
      return 'retry';
    }
    if (result.kind === 'defer' && deferrals < (this.#options.maxDeferrals ?? 100)) {
      await this.#republishDelayed(
        msg,
        delivery,
        result.delayMs,
        {
          attempt,
          [HEADERS.retryReason]: result.reason,
          [HEADERS.deferrals]: deferrals + 1,
        },
        result.notLater === true,
      );
      metrics?.retried.inc({ stage, reason: result.reason });
      logger.debug({ attempt, reason: result.reason, delayMs: result.delayMs }, 'deferred');
      return 'retry';
    }
    const message =
      result.kind === 'dead'
        ? result.message
        : result.kind === 'defer'
          ? `deferred ${deferrals} times (${result.reason})`
          : (result.message ?? `gave up after ${attempt} attempts`);
    const names = this.#connection.topology.names;
    await this.#publisher.publish(
      { exchange: names.deadExchange, routingKey: names.stage(stage).routingKey },
      msg.content,
      {
        messageId: delivery.messageId,
        traceparent: delivery.traceparent,
        attempt,
        headers: {
          ...passThroughHeaders(headers),
          [HEADERS.errorReason]: result.reason,
          [HEADERS.errorMessage]: message.slice(0, 2_000),
          [HEADERS.failedStage]: stage,
        },
      },
    );
    metrics?.deadLettered.inc({ stage, reason: result.reason });
    logger.warn({ attempt, reason: result.reason, error: message }, 'dead-lettered');
    return 'dead';
  }

  /**
   * Sends the message to the smallest delay bucket at least `delayMs` long (or, `notLater`, the longest not above
   * it); it comes back to this stage.
   */
  async #republishDelayed(
    msg: ConsumeMessage,
    delivery: Delivery,
    delayMs: number,
    changes: { attempt: number } & Record<string, string | number>,
    notLater = false,
  ): Promise<void> {
    const { attempt, ...headerChanges } = changes;
    const names = this.#connection.topology.names;
    const buckets = this.#connection.topology.delayBucketsMs;
    const bucketMs = notLater ? selectBucketNotAfter(delayMs, buckets) : selectBucket(delayMs, buckets);
    const delayQueue = names.stage(this.#options.stage).delayQueue(bucketMs);
    await this.#publisher.publish({ exchange: names.retryExchange, routingKey: delayQueue }, msg.content, {
      messageId: delivery.messageId,
      traceparent: delivery.traceparent,
      attempt,
      headers: { ...passThroughHeaders(delivery.headers), ...headerChanges },
    });
  }
}

function readCount(raw: unknown): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : 0;
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** Headers a republished message keeps: the user's, minus the broker's bookkeeping and those set anew. */
function passThroughHeaders(headers: MessageHeaders): Record<string, string | number> {
  const kept: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (
      key.startsWith('x-death') ||
      key === 'x-delivery-count' ||
      key.startsWith('x-first-death') ||
      key.startsWith('x-last-death')
    ) {
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number') kept[key] = value;
  }
  return kept;
}
