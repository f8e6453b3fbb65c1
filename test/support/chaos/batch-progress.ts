import { BATCH_COLLECTIONS } from '@tributary/contracts';
import type { Db } from 'mongodb';

/**
 * How many jobs of a batch have ended, polled from the batch records the writer keeps. While the database is
 * down a poll fails; the last count stands. Every rise is kept with its time, so that the stalls after a fault
 * can be measured afterwards.
 */
export class BatchProgressTracker {
  readonly #db: Db;
  readonly #batch: string;
  readonly #total: number;
  readonly #rises: { atMs: number; ended: number }[] = [];
  #ended = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(db: Db, batch: string, total: number, intervalMs = 250) {
    this.#db = db;
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

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const ended = await withTimeout(
        this.#db.collection(BATCH_COLLECTIONS.jobs).countDocuments({ batch: this.#batch }),
        2_000,
      );
      if (ended !== undefined && ended > this.#ended) {
        this.#ended = ended;
        this.#rises.push({ atMs: Date.now(), ended });
      }
    } catch {
      // The database is away; the last count stands.
    } finally {
      this.#polling = false;
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  promise.catch(() => {});
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
