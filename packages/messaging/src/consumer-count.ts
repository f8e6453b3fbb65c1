import type { Logger } from '@tributary/core';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { BrokerConnection } from './connection.ts';

/**
 * How many consumers a queue has, as the broker counts them, asked every `intervalMs` (a passive declare on a
 * channel of its own). A service that shares something with its replicas (the fetcher's per-host limits) divides
 * it by this count: the broker already knows who consumes, so no registry of replicas is needed, and a replica
 * that dies or joins is counted at the next poll. While the broker cannot be asked, the last count stands.
 */

export interface ConsumerCountOptions {
  queue: string;
  intervalMs: number;
  logger: Logger;
  /** Called with each new count (at least 1: the asking service consumes too). */
  onChange: (count: number) => void;
}

export class ConsumerCount {
  readonly #options: ConsumerCountOptions;
  readonly #channel: ChannelWrapper;
  #timer: NodeJS.Timeout | undefined;
  #count = 1;
  #closed = false;

  constructor(connection: BrokerConnection, options: ConsumerCountOptions) {
    this.#options = options;
    this.#channel = connection.createChannel(`consumer-count:${options.queue}`);
  }

  get count(): number {
    return this.#count;
  }

  start(): void {
    void this.#poll();
  }

  /** Asks once now (as the timer does); resolves with the count then standing. */
  async poll(): Promise<number> {
    try {
      const { consumerCount } = await this.#channel.checkQueue(this.#options.queue);
      const count = Math.max(1, consumerCount);
      if (count !== this.#count) {
        this.#options.logger.info({ queue: this.#options.queue, consumers: count }, 'consumer count changed');
        this.#count = count;
        this.#options.onChange(count);
      }
    } catch (err) {
      this.#options.logger.debug(
        { err, queue: this.#options.queue },
        'could not count the consumers; keeping the last count',
      );
    }
    return this.#count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#channel.close();
  }

  async #poll(): Promise<void> {
    await this.poll();
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#poll(), this.#options.intervalMs);
    this.#timer.unref();
  }
}
