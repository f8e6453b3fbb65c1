import { BATCH_COLLECTIONS } from '@tributary/contracts';
import type { Db } from 'mongodb';

/** A count that has not answered in this long is given up on, and the client renewed: it may never answer. */
const COUNT_PATIENCE_MS = 30_000;

/**
 * How many jobs of a batch have ended, polled from the batch records the writer keeps. While the database is
 * down a poll fails; the last count stands. Every rise is kept with its time, so that the stalls after a fault
 * can be measured afterwards.
 */
export class BatchProgressTracker {
  readonly #db: () => Db;
  readonly #renewClient: () => Promise<void>;
  readonly #batch: string;
  readonly #total: number;
  readonly #rises: { atMs: number; ended: number }[] = [];
  #ended = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #lastAnswerMs = Date.now();
  #lastFailure: string | undefined;

  /** `db` is read at every count: `renewClient` replaces the client behind it when a count does not answer. */
  constructor(
    database: { db: () => Db; renewClient: () => Promise<void> },
    batch: string,
    total: number,
    intervalMs = 250,
  ) {
    this.#db = database.db;
    this.#renewClient = database.renewClient;
    this.#batch = batch;
    this.#total = total;
    this.#rises.push({ atMs: Date.now(), ended: 0 });
    this.#timer = setInterval(() => void this.#poll(), intervalMs);
  }

  get ended(): number {
    return this.#ended;
  }

  get fraction(): number {
    return this.#ended / this.#total;
  }

  /** The longest time without a rise within [fromMs, toMs] (a stall still going on at `toMs` counts to it). */
  longestStallMs(fromMs: number, toMs: number): number {
    let longest = 0;
    let previous = this.#rises.filter((rise) => rise.atMs <= fromMs).at(-1)?.atMs ?? fromMs;
    for (const rise of this.#rises) {
      if (rise.atMs <= fromMs) continue;
      if (rise.atMs > toMs) break;
      longest = Math.max(longest, rise.atMs - Math.max(previous, fromMs));
      previous = rise.atMs;
    }
    if (this.#ended < this.#total) longest = Math.max(longest, toMs - Math.max(previous, fromMs));
    return longest;
  }

  /** When a count last answered and why the last one failed, for a stalled run's report. */
  describePolling(): string {
    const seconds = ((Date.now() - this.#lastAnswerMs) / 1000).toFixed(0);
    const failure = this.#lastFailure === undefined ? '' : `; the last failed count: ${this.#lastFailure}`;
    return `the progress count last answered ${seconds} s ago${failure}`;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      // One count at a time: counts given up on while still running would pile up on a loaded database, slow
      // the writers the run is measuring, and so never finish in time themselves. Only a count that stopped
      // answering (the database went away under it) is given up on, after a patience no loaded database needs,
      // and the client is renewed: after a database outage, one client once answered nothing more.
      const ended = await withPatience(
        this.#db().collection(BATCH_COLLECTIONS.jobs).countDocuments({ batch: this.#batch }),
        COUNT_PATIENCE_MS,
      );
      this.#lastAnswerMs = Date.now();
      if (ended > this.#ended) {
        this.#ended = ended;
        this.#rises.push({ atMs: Date.now(), ended });
      }
    } catch (error) {
      // The database is away, or the client stopped answering; the last count stands.
      this.#lastFailure = (error as Error).message;
      if (error instanceof NoAnswerError) {
        await this.#renewClient().then(
          () => {
            this.#lastFailure += '; the client was renewed';
          },
          (renewal: unknown) => {
            this.#lastFailure += `; renewing the client failed: ${(renewal as Error).message}`;
          },
        );
      }
    } finally {
      this.#polling = false;
    }
  }
}

/** The work's result, or a failure once it has not answered within the patience. */
export async function withPatience<T>(work: Promise<T>, patienceMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(patienceMs)), patienceMs);
  });
  // A count given up on may still fail later; that failure is already accounted for.
  work.catch(() => {});
  try {
    return await Promise.race([work, patience]);
  } finally {
    clearTimeout(timer);
  }
}

/** Work that did not answer within its patience. */
export class NoAnswerError extends Error {
  constructor(patienceMs: number) {
    super(`no answer in ${patienceMs / 1000} s`);
    this.name = 'NoAnswerError';
  }
}
