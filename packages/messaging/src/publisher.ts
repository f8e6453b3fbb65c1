import { type Logger, sleep } from '@tributary/core';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Histogram } from 'prom-client';
import type { BrokerConnection } from './connection.ts';
import { backoffDelayMs } from './delay-buckets.ts';
import { PublisherClosedError } from './errors.ts';
import type { MessagingMetrics } from './metrics.ts';
import { CONTRACT_VERSION, HEADERS, type Stage } from './names.ts';

export interface PublisherOptions {
  /** At most this many publishes wait for their confirm at once; further callers wait their turn. */
  maxUnconfirmed?: number;
  /** Backoff between tries when the broker refuses a publish (a full queue). */
  refusedBackoffBaseMs?: number;
  refusedBackoffMaxMs?: number;
  metrics?: MessagingMetrics;
  logger?: Logger;
}

export interface Envelope {
  messageId: string;
  traceparent: string;
  /** This stage's attempt number for the message; 1 for a new message. */
  attempt?: number;
  headers?: Record<string, string | number>;
}

export interface Route {
  exchange: string;
  routingKey: string;
}

type SendResult = 'confirmed' | 'refused' | 'lost';

const jsonBody = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Publishes on a confirm channel. `publish()` resolves only once the broker has confirmed the message. When the
 * broker refuses it (a work queue at `x-max-length` with reject-publish) the publisher backs off and tries again;
 * when the channel is lost before the confirm, it sends the message again on the next channel. Either way the
 * caller simply waits, holding its own input unacked, and nothing is lost.
 *
 * amqp-connection-manager owns the connection and re-runs this channel's setup after every reconnect; the
 * publisher then writes to the confirm channel directly, which costs far less per message than the wrapper's
 * own queue, and waits for `drain` when the socket's buffer is full.
 */
export class Publisher {
  readonly #connection: BrokerConnection;
  readonly #limit: LimitFunction;
  readonly #options: Required<Omit<PublisherOptions, 'metrics' | 'logger'>> &
    Pick<PublisherOptions, 'metrics' | 'logger'>;
  #wrapper: ChannelWrapper | undefined;
  #channel: ConfirmChannel | undefined;
  #writable = true;
  #waiters: (() => void)[] = [];
  #closed = false;
  readonly #closing = new AbortController();
  readonly #confirmTimers = new Map<string, Histogram.Internal<'exchange'>>();

  constructor(connection: BrokerConnection, options: PublisherOptions = {}) {
    this.#connection = connection;
    this.#options = { maxUnconfirmed: 256, refusedBackoffBaseMs: 50, refusedBackoffMaxMs: 2_000, ...options };
    this.#limit = pLimit(this.#options.maxUnconfirmed);
  }

  start(): void {
    this.#wrapper ??= this.#connection.createChannel('publisher', async (channel) => {
      channel.on('close', () => {
        if (this.#channel === channel) this.#channel = undefined;
      });
      channel.on('drain', () => {
        this.#writable = true;
        this.#wake();
      });
      this.#channel = channel;
      this.#writable = true;
      this.#wake();
    });
  }

  /** Publishes a JSON message as the input of `stage`. */
  publishToStage(stage: Stage, body: unknown, envelope: Envelope): Promise<void> {
    const names = this.#connection.topology.names.stage(stage);
    return this.publish({ exchange: names.exchange, routingKey: names.routingKey }, jsonBody(body), envelope);
  }

  async publish(route: Route, content: Buffer, envelope: Envelope): Promise<void> {
    if (!this.#wrapper || this.#closed) throw new PublisherClosedError();
    const properties: Options.Publish = {
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.messageId,
      timestamp: Math.floor(Date.now() / 1000),
      headers: {
        ...envelope.headers,
        [HEADERS.version]: CONTRACT_VERSION,
        [HEADERS.attempt]: envelope.attempt ?? 1,
        [HEADERS.traceparent]: envelope.traceparent,
      },
    };
    await this.#limit(() => this.#publishUntilConfirmed(route, content, properties));
  }

  async #publishUntilConfirmed(route: Route, content: Buffer, properties: Options.Publish): Promise<void> {
    const { metrics } = this.#options;
    let refusals = 0;
    for (;;) {
      // The usual case needs no wait: take the channel as it is.
      const channel =
        this.#channel && this.#writable && !this.#closed ? this.#channel : await this.#writableChannel();
      const started = performance.now();
      const result = await this.#send(channel, route, content, properties);
      if (result === 'confirmed') {
        this.#confirmTimer(route.exchange)?.observe((performance.now() - started) / 1000);
        return;
      }
      if (result === 'lost') continue; // the channel went away unconfirmed: send again on the next one
      // Refused (nacked): the queue is full. Wait, then offer it again.
      refusals++;
      metrics?.publishRefused.inc({ exchange: route.exchange });
      if (refusals % 100 === 1) {
        this.#options.logger?.warn(
          { exchange: route.exchange, refusals },
          'broker refused publish; retrying',
        );
      }
      const { refusedBackoffBaseMs: baseMs, refusedBackoffMaxMs: maxMs } = this.#options;
      try {
        await sleep(Math.max(baseMs / 2, backoffDelayMs(refusals, { baseMs, maxMs })), this.#closing.signal);
      } catch {
        throw new PublisherClosedError();
      }
    }
  }

  /** Label lookups cost more than the observation itself on this hot path; keep one child per exchange. */
  #confirmTimer(exchange: string): Histogram.Internal<'exchange'> | undefined {
    const metrics = this.#options.metrics;
    if (!metrics) return undefined;
    let timer = this.#confirmTimers.get(exchange);
    if (!timer) {
      timer = metrics.publishConfirmDuration.labels({ exchange });
      this.#confirmTimers.set(exchange, timer);
    }
    return timer;
  }

  #send(
    channel: ConfirmChannel,
    route: Route,
    content: Buffer,
    properties: Options.Publish,
  ): Promise<SendResult> {
    return new Promise((resolve) => {
      try {
        const hasRoom = channel.publish(route.exchange, route.routingKey, content, properties, (err) => {
          if (!err) {
            resolve('confirmed');
            return;
          }
          // amqplib fails every pending confirm when the channel closes, before this publisher hears of the
          // close; look once the close has been handled to tell a lost channel from a nack.
          queueMicrotask(() => resolve(this.#channel === channel ? 'refused' : 'lost'));
        });
        if (!hasRoom) this.#writable = false;
      } catch {
        // The channel closed between the check and the write.
        if (this.#channel === channel) this.#channel = undefined;
        resolve('lost');
      }
    });
  }

  /** The current channel once it exists and has room in its write buffer. */
  async #writableChannel(): Promise<ConfirmChannel> {
    for (;;) {
      if (this.#closed) throw new PublisherClosedError();
      const channel = this.#channel;
      if (channel && this.#writable) return channel;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Lets confirms in flight land (up to 5 s while connected), then closes; later publishes reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const deadline = Date.now() + 5_000;
    while (this.#limit.activeCount > 0 && Date.now() < deadline && this.#connection.isConnected) {
      await sleep(10);
    }
    this.#closed = true;
    this.#closing.abort();
    this.#wake();
    await this.#wrapper?.close();
  }
}
