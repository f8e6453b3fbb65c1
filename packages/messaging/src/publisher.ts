import { type Logger, sleep } from '@tributary/core';
import type { ChannelWrapper } from 'amqp-connection-manager';
import pLimit, { type LimitFunction } from 'p-limit';
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

const jsonBody = (value: unknown) => Buffer.from(JSON.stringify(value));

/**
 * Publishes through a confirm channel. `publish()` resolves only once the broker has confirmed the message;
 * while the broker refuses it (a work queue at `x-max-length` with reject-publish) it backs off and tries again,
 * so the caller simply waits and holds its own input unacked. While disconnected, amqp-connection-manager keeps
 * the message and sends it after reconnecting.
 */
export class Publisher {
  readonly #connection: BrokerConnection;
  readonly #limit: LimitFunction;
  readonly #options: Required<Omit<PublisherOptions, 'metrics' | 'logger'>> &
    Pick<PublisherOptions, 'metrics' | 'logger'>;
  #channel: ChannelWrapper | undefined;
  #closed = false;
  readonly #closing = new AbortController();

  constructor(connection: BrokerConnection, options: PublisherOptions = {}) {
    this.#connection = connection;
    this.#options = { maxUnconfirmed: 256, refusedBackoffBaseMs: 50, refusedBackoffMaxMs: 2_000, ...options };
    this.#limit = pLimit(this.#options.maxUnconfirmed);
  }

  start(): void {
    this.#channel ??= this.#connection.createChannel('publisher');
  }

  /** Publishes a JSON message as the input of `stage`. */
  publishToStage(stage: Stage, body: unknown, envelope: Envelope): Promise<void> {
    const names = this.#connection.topology.names.stage(stage);
    return this.publish({ exchange: names.exchange, routingKey: names.routingKey }, jsonBody(body), envelope);
  }

  async publish(route: Route, content: Buffer, envelope: Envelope): Promise<void> {
    const channel = this.#channel;
    if (!channel || this.#closed) throw new PublisherClosedError();
    const headers = {
      ...envelope.headers,
      [HEADERS.version]: CONTRACT_VERSION,
      [HEADERS.attempt]: envelope.attempt ?? 1,
      [HEADERS.traceparent]: envelope.traceparent,
    };
    const properties = {
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.messageId,
      timestamp: Math.floor(Date.now() / 1000),
      headers,
    };
    await this.#limit(() => this.#publishUntilConfirmed(channel, route, content, properties));
  }

  async #publishUntilConfirmed(
    channel: ChannelWrapper,
    route: Route,
    content: Buffer,
    properties: Record<string, unknown>,
  ): Promise<void> {
    const { metrics } = this.#options;
    for (let refusals = 0; ; refusals++) {
      if (this.#closed) throw new PublisherClosedError();
      const started = performance.now();
      try {
        await channel.publish(route.exchange, route.routingKey, content, properties);
        metrics?.publishConfirmDuration.observe(
          { exchange: route.exchange },
          (performance.now() - started) / 1000,
        );
        return;
      } catch (err) {
        if (this.#closed) throw new PublisherClosedError();
        // A nack: the broker did not take the message (full queue). Nothing is lost: try again after a pause.
        metrics?.publishRefused.inc({ exchange: route.exchange });
        const delayMs = backoffDelayMs(refusals + 1, {
          baseMs: this.#options.refusedBackoffBaseMs,
          maxMs: this.#options.refusedBackoffMaxMs,
        });
        try {
          await sleep(Math.max(delayMs, this.#options.refusedBackoffBaseMs / 2), this.#closing.signal);
        } catch {
          throw new PublisherClosedError();
        }
        if (refusals % 100 === 0) {
          this.#options.logger?.warn(
            { err, exchange: route.exchange, refusals },
            'broker refused publish; retrying',
          );
        }
      }
    }
  }

  /** Waits for confirms in flight, then closes the channel; later publishes reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const channel = this.#channel;
    // Let confirms already in flight land, so the callers waiting on them can ack their input.
    if (channel) {
      const deadline = Date.now() + 5_000;
      while (this.#limit.activeCount > 0 && Date.now() < deadline && this.#connection.isConnected) {
        await sleep(10);
      }
    }
    this.#closed = true;
    this.#closing.abort();
    await channel?.close();
  }
}
