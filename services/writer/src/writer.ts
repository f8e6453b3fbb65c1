import type { BatchJobRecord, StoreMessage } from '@tributary/contracts';
import { backoffDelayMs, type Logger, sleep } from '@tributary/core';
import { type Delivery, HandlerError, type Outcome, outcome } from '@tributary/messaging';
import { type EndedAs, endedJobRecords } from './batch-outcomes.ts';
import { Batcher } from './batcher.ts';
import { StoreUnavailableError } from './errors.ts';
import type { WriterMetrics } from './metrics.ts';
import type { BatchReport, BatchStore } from './store.ts';
import { classifyStoreFailure, type TransientReason } from './store-failures.ts';

export interface WriterOptions {
  /** Documents per batch (a message is never split). */
  batchSize: number;
  /** Longest wait of a partial batch. */
  batchMaxMs: number;
  /** Backoff between attempts at a batch while the database fails. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface WriterDeps {
  store: BatchStore;
  /** Where the jobs of batches are recorded as ended; none in tests of the batching alone. */
  batchRecords?: { recordEnded(records: readonly BatchJobRecord[]): Promise<void> };
  logger: Logger;
  metrics?: WriterMetrics;
  random?: () => number;
}

interface Item {
  message: StoreMessage;
  delivery: Delivery | undefined;
}

/** A message weighs its documents: a batch of WRITE_BATCH_SIZE holds that many documents. */
export function documentsOf(message: StoreMessage): number {
  return message.kind === 'documents' ? message.documents.length : 0;
}

/**
 * The writer's handler glue: each message of `store.docs` joins a batch, and its handler's promise resolves
 * with its outcome once the batch was written (so the consumer acks it only then). While the database fails,
 * the batch is retried with backoff for as long as it takes: the handlers stay pending, the consumer's
 * prefetch fills up, and the broker stops delivering — that is how the writer stops taking messages. On
 * shutdown, `drain()` writes the partial batch at once; a batch still failing at the deadline is handed back
 * to the broker (a retryable failure, which the consumer sends through a delay queue), never dropped.
 */
export class Writer {
  readonly #options: WriterOptions;
  readonly #deps: WriterDeps;
  readonly #batcher: Batcher<Item, Outcome>;
  #failing: TransientReason | undefined;
  #deadline: number | undefined;
  #wake = new AbortController();

  constructor(options: WriterOptions, deps: WriterDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#batcher = new Batcher<Item, Outcome>({
      maxSize: options.batchSize,
      maxAgeMs: options.batchMaxMs,
      weigh: (item) => documentsOf(item.message),
      flush: (items) => this.#flush(items),
    });
  }

  /** The consumer's handler. */
  readonly handle = (message: StoreMessage, delivery?: Delivery): Promise<Outcome> =>
    this.#batcher.add({ message, delivery });

  /** Documents received and not yet in a batch being written. */
  get pendingDocuments(): number {
    return this.#batcher.pendingWeight;
  }

  /** Why the last attempt at a batch failed, while the database fails; undefined when it works. */
  get failing(): TransientReason | undefined {
    return this.#failing;
  }

  /**
   * Shutdown: writes what waits now, and every message that still arrives as soon as it does. A batch the
   * database keeps refusing is retried until `deadlineMs` from now, then handed back. Resolves when idle.
   */
  drain(deadlineMs: number): Promise<void> {
    this.#deadline = Date.now() + deadlineMs;
    this.#wake.abort();
    return this.#batcher.drain();
  }

  async #flush(items: readonly Item[]): Promise<Outcome[]> {
    const { metrics, logger } = this.#deps;
    const messages = items.map((item) => item.message);
    const documents = messages.reduce((sum, message) => sum + documentsOf(message), 0);
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let report: BatchReport;
      try {
        report = await this.#deps.store.write(messages);
        await this.#recordEnded(messages, report);
      } catch (err) {
        metrics?.flushDuration.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
        if (!(err instanceof StoreUnavailableError)) {
          metrics?.failures.inc({ reason: 'unexpected' });
          logger.error({ err, messages: messages.length }, 'writing a batch failed unexpectedly');
          throw err;
        }
        metrics?.failures.inc({ reason: err.reason });
        await this.#backOff(err, attempt, messages.length);
        continue;
      }
      metrics?.flushDuration.observe({ outcome: 'written' }, (performance.now() - started) / 1000);
      metrics?.batchDocuments.observe(documents);
      if (this.#failing) {
        logger.info({ attempts: attempt }, 'database accepts writes again');
        this.#failing = undefined;
      }
      return this.#settle(messages, report);
    }
  }

  /**
   * Records the batch's jobs as ended, after their writes and before their acks; a failure fails the attempt
   * like a failed write (the batch is written again, which changes nothing, then recorded).
   */
  async #recordEnded(messages: readonly StoreMessage[], report: BatchReport): Promise<void> {
    const batchRecords = this.#deps.batchRecords;
    if (!batchRecords) return;
    const endings = report.results.map((result): EndedAs => {
      if (result.kind === 'write' || result.kind === 'skip') return 'stored';
      if (result.kind === 'touch') return 'unchanged';
      return 'not-ended';
    });
    const records = endedJobRecords(messages, endings, new Date());
    try {
      await batchRecords.recordEnded(records);
    } catch (err) {
      const failure = classifyStoreFailure(err);
      if (failure.kind !== 'transient') throw err;
      throw new StoreUnavailableError(failure.reason, { cause: err });
    }
  }

  /** Waits before the next attempt; past the shutdown deadline, hands the batch back instead. */
  async #backOff(err: StoreUnavailableError, attempt: number, messages: number): Promise<void> {
    const { logger } = this.#deps;
    const first = this.#failing === undefined;
    this.#failing = err.reason;
    const { retryBaseMs: baseMs, retryMaxMs: maxMs } = this.#options;
    const delayMs = backoffDelayMs(attempt, { baseMs, maxMs, floorMs: baseMs / 2 }, this.#deps.random);
    if (this.#deadline !== undefined && Date.now() >= this.#deadline) {
      logger.warn(
        { err, messages },
        'database still failing at the shutdown deadline; handing the batch back',
      );
      throw new HandlerError('database-unavailable', `not written before shutdown: ${err.message}`, {
        retryable: true,
        cause: err,
      });
    }
    if (first || attempt % 10 === 0) {
      logger.warn({ err, attempt, delayMs, messages }, 'database failing; the batch will be written again');
    }
    const waitMs = this.#deadline === undefined ? delayMs : Math.min(delayMs, this.#deadline - Date.now());
    try {
      await sleep(waitMs, this.#wake.signal);
    } catch {
      // drain() woke us: try again now, with the deadline in force.
      this.#wake = new AbortController();
    }
  }

  #settle(messages: StoreMessage[], report: BatchReport): Outcome[] {
    const { metrics } = this.#deps;
    const now = Date.now();
    let skipped = 0;
    let refused = 0;
    const outcomes = report.results.map((result, index): Outcome => {
      const message = messages[index];
      const documents = message ? documentsOf(message) : 0;
      if (result.kind === 'dead') {
        refused += documents;
        metrics?.failures.inc({ reason: result.reason });
        return outcome.dead(result.reason, result.message);
      }
      if (result.kind === 'skip') skipped += documents;
      if (result.kind === 'write' && metrics && message?.kind === 'documents') {
        for (const document of message.documents) {
          metrics.lag.observe(Math.max(0, now - Date.parse(document.transformedAt)) / 1000);
        }
        // Once per source: its chunks all left the upstream together.
        const first = message.documents[0];
        if (first) metrics.pipelineLag.observe(Math.max(0, now - Date.parse(first.fetchedAt)) / 1000);
      }
      return outcome.done();
    });
    if (metrics) {
      metrics.documents.inc({ result: 'inserted' }, report.inserted);
      metrics.documents.inc({ result: 'updated' }, report.updated);
      metrics.documents.inc({ result: 'unchanged' }, report.unchanged);
      metrics.documents.inc({ result: 'skipped' }, skipped);
      metrics.documents.inc({ result: 'refused' }, refused);
      metrics.staleChunksDeleted.inc(report.staleChunksDeleted);
      metrics.sourcesWritten.inc({ kind: 'content' }, report.sourcesWritten);
      metrics.sourcesWritten.inc({ kind: 'touch' }, report.sourcesTouched);
    }
    return outcomes;
  }
}
