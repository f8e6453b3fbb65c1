import { CONTRACT_VERSION, HEADERS, type Stage } from '@tributary/contracts';
import { backoffDelayMs, type Logger } from '@tributary/core';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import type { Histogram } from 'prom-client';
import type { BrokerConnection } from './connection.ts';
import { PublisherClosedError } from './errors.ts';
import type { MessagingMetrics } from './metrics.ts';
import { WaitQueue } from './wait-queue.ts';

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

const jsonBody = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Publishes on a confirm channel. `publish()` resolves only once the broker has confirmed the message. When the
 * broker refuses it (a work queue at `x-max-length` with reject-publish) the publisher backs off and tries again;
 * when the channel is lost before the confirm, it sends the message again on the next channel. Either way the
 * caller simply waits, holding its own input unacked, and nothing is lost.
 *
 * amqp-connection-manager owns the connection and re-runs this channel's setup after every reconnect; the
 * publisher then writes to the confirm channel directly (one promise per message, callbacks inside), which costs
 * far less per message than the wrapper's own queue, and waits for `drain` when the socket's buffer is full.
 */
export class Publisher {
  readonly #connection: BrokerConnection;
  readonly #options: Required<Omit<PublisherOptions, 'metrics' | 'logger'>> &
    Pick<PublisherOptions, 'metrics' | 'logger'>;
  #wrapper: ChannelWrapper | undefined;
  #channel: ConfirmChannel | undefined;
  #writable = true;
  #closed = false;
  /** Sends waiting for a channel with room in its write buffer. */
  #waitingForChannel: (() => void)[] = [];
  /** Sends sleeping after a refusal, woken early when the publisher closes. */
  readonly #backingOff = new Map<NodeJS.Timeout, () => void>();
  /** Publishes beyond `maxUnconfirmed`, in arrival order. */
  readonly #waitingForSlot = new WaitQueue();
  /** `close()` waiting for the last confirm in flight. */
  readonly #waitingForConfirms = new WaitQueue();
  #closing = false;
  #unconfirmed = 0;
  /** Publishes written to a channel whose confirm has not come yet (not those waiting or backing off). */
  #sent = 0;
  readonly #confirmTimers = new Map<string, Histogram.Internal<'exchange'>>();

  constructor(connection: BrokerConnection, options: PublisherOptions = {}) {
    this.#connection = connection;
    this.#options = { maxUnconfirmed: 256, refusedBackoffBaseMs: 50, refusedBackoffMaxMs: 2_000, ...options };
  }

  start(): void {
    this.#wrapper ??= this.#connection.createChannel('publisher', async (channel) => {
      channel.on('close', () => {
        if (this.#channel === channel) this.#channel = undefined;
        // Confirms of a closed channel never come: a closing publisher stops waiting for them.
        if (this.#closing) this.#waitingForConfirms.releaseAll();
      });
      channel.on('drain', () => {
        this.#writable = true;
        this.#wakeSends();
      });
      this.#channel = channel;
      this.#writable = true;
      this.#wakeSends();
    });
  }

  /** Resolves once the publisher's channel is open with the topology declared (`start()` first). */
  async waitUntilReady(): Promise<void> {
    if (!this.#wrapper) throw new Error('Publisher.start() must be called first');
    await this.#wrapper.waitForConnect();
  }

  /** Publishes waiting for their confirm right now. */
  get unconfirmed(): number {
    return this.#unconfirmed;
  }

  /** Publishes a JSON message as the input of `stage`. */
  publishToStage(stage: Stage, body: unknown, envelope: Envelope): Promise<void> {
    return this.publishEncodedToStage(stage, jsonBody(body), envelope);
  }

  /**
   * Publishes, as the input of `stage`, a message already encoded as JSON in UTF-8, byte for byte as given: for a
   * caller that encoded it off this event loop (the transformer's transform thread), so that it is not decoded and
   * encoded again here.
   */
  publishEncodedToStage(stage: Stage, content: Buffer, envelope: Envelope): Promise<void> {
    const names = this.#connection.topology.names.stage(stage);
    return this.publish({ exchange: names.exchange, routingKey: names.routingKey }, content, envelope);
  }

  publish(route: Route, content: Buffer, envelope: Envelope): Promise<void> {
    if (!this.#wrapper || this.#closed) return Promise.reject(new PublisherClosedError());
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
    if (this.#unconfirmed < this.#options.maxUnconfirmed && this.#waitingForSlot.length === 0) {
      this.#unconfirmed++;
      return this.#deliver(route, content, properties);
    }
    // A finishing publish hands its slot straight to the next waiter, so the bound holds exactly.
    return this.#waitingForSlot.wait().then(() => {
      if (this.#closed) throw new PublisherClosedError();
      return this.#deliver(route, content, properties);
    });
  }

  /**
   * One message, holding one slot, sent until confirmed: again on the next channel when lost, after a backoff
   * when refused.
   */
  #deliver(route: Route, content: Buffer, properties: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let refusals = 0;
      const settle = (err?: Error) => {
        if (this.#waitingForSlot.length > 0) this.#waitingForSlot.releaseOne();
        else this.#unconfirmed--;
        if (err) reject(err);
        else resolve();
      };
      const attempt = (): void => {
        if (this.#closed) {
          settle(new PublisherClosedError());
          return;
        }
        const channel = this.#channel;
        if (!channel || !this.#writable) {
          this.#waitingForChannel.push(attempt);
          return;
        }
        const started = performance.now();
        try {
          const hasRoom = channel.publish(route.exchange, route.routingKey, content, properties, (err) => {
            if (--this.#sent === 0) this.#waitingForConfirms.releaseAll();
            if (!err) {
              this.#confirmTimer(route.exchange)?.observe((performance.now() - started) / 1000);
              settle();
              return;
            }
            // amqplib fails every pending confirm when the channel closes, before this publisher hears of the
            // close; look once the close has been handled to tell a lost channel from a nack.
            queueMicrotask(() => {
              if (this.#channel !== channel) attempt();
              else this.#backOff(route, ++refusals, attempt);
            });
          });
          this.#sent++;
          if (!hasRoom) this.#writable = false;
        } catch {
          // The channel closed between the check and the write.
          if (this.#channel === channel) this.#channel = undefined;
          this.#waitingForChannel.push(attempt);
        }
      };
      attempt();
    });
  }

  /** A refusal means the queue is full: offer the message again after a backoff with jitter. */
  #backOff(route: Route, refusals: number, attempt: () => void): void {
    const { metrics, logger, refusedBackoffBaseMs: baseMs, refusedBackoffMaxMs: maxMs } = this.#options;
    metrics?.publishRefused.inc({ exchange: route.exchange });
    if (refusals % 100 === 1)
      logger?.warn({ exchange: route.exchange, refusals }, 'broker refused publish; retrying');
    const delayMs = backoffDelayMs(refusals, { baseMs, maxMs, floorMs: baseMs / 2 });
    const timer = setTimeout(() => {
      this.#backingOff.delete(timer);
      attempt();
    }, delayMs);
    this.#backingOff.set(timer, attempt);
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

  #wakeSends(): void {
    const waiting = this.#waitingForChannel;
    this.#waitingForChannel = [];
    for (const attempt of waiting) attempt();
  }

  /**
   * Lets the confirms in flight land, then closes; later publishes reject. It waits on the confirms themselves,
   * for as long as the channel they were sent on lives: the service's shutdown grace period bounds it.
   */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    if (this.#sent > 0 && this.#channel !== undefined) await this.#waitingForConfirms.wait();
    this.#closed = true;
    // Everything still waiting now fails with PublisherClosedError; its caller leaves its input unacked.
    for (const [timer, attempt] of this.#backingOff) {
      clearTimeout(timer);
      attempt();
    }
    this.#backingOff.clear();
    this.#wakeSends();
    this.#waitingForSlot.releaseAll();
    await this.#wrapper?.close();
  }
}
