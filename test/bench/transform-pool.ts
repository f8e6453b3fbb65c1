// The baseline's transform threads: the transformer's own runner (a worker thread running the configured
// transform through `runTransform`, one record at a time), several of them in one process, each record given to
// the one with the least work waiting.
import type { RawRecord, StoreMessage } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import type { TransformConfig } from '@tributary/transform';
import { TransformRunner } from '../../services/transformer/src/transform-runner.ts';

export interface TransformPoolOptions {
  threads: number;
  config: TransformConfig;
  /** As TRANSFORM_TIMEOUT_MS: a record's transform is aborted after this long. */
  timeoutMs: number;
}

interface Slot {
  readonly runner: TransformRunner;
  /** Records given to it and not finished. */
  waiting: number;
}

export class TransformPool implements AsyncDisposable {
  readonly #slots: Slot[];

  constructor(options: TransformPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be an integer ≥ 1, got ${options.threads}`);
    }
    const logger = createLogger({ service: 'bench-baseline', level: 'warn' });
    this.#slots = Array.from({ length: options.threads }, (_, thread) => ({
      runner: new TransformRunner({
        // '' is the default transform, as the transformer runs it without TRANSFORM_MODULE.
        setup: { module: '', config: options.config, logLevel: 'warn', logBindings: { thread } },
        timeoutMs: options.timeoutMs,
        logger,
      }),
      waiting: 0,
    }));
  }

  /** Starts every thread; resolves once each one has loaded its transform and tokenizer. */
  async start(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.runner.start()));
  }

  async run(record: RawRecord): Promise<StoreMessage> {
    const slot = this.#slots.reduce((least, candidate) =>
      candidate.waiting < least.waiting ? candidate : least,
    );
    slot.waiting++;
    try {
      // The runner hands the StoreMessage over encoded, as the transformer publishes it; the writer parses it.
      const { message } = await slot.runner.run(record);
      return JSON.parse(message.body.toString('utf8')) as StoreMessage;
    } finally {
      slot.waiting--;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.runner.close()));
  }
}
