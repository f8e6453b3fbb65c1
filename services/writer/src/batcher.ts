export interface BatcherOptions<T, R> {
  /** A batch is due once the weight of what is pending reaches this. */
  maxSize: number;
  /** A batch is due once its oldest item has waited this long. */
  maxAgeMs: number;
  /** The weight of one item (the documents of a message); at least 1. Defaults to 1 per item. */
  weigh?: (item: T) => number;
  /**
   * Writes one batch and answers one result per item, in order. A rejection fails every item of the batch.
   * Never called twice at once.
   */
  flush: (items: readonly T[]) => Promise<readonly R[]>;
}

interface Entry<T, R> {
  item: T;
  weight: number;
  addedAt: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects items into batches and hands them to `flush` one batch at a time: a batch is due when its weight
 * reaches `maxSize` or its oldest item is `maxAgeMs` old, or at once after `flushNow()`. A batch takes items in
 * arrival order up to `maxSize` (an item heavier than that goes alone), so what arrives while a flush runs
 * waits for the next one. Each `add()` resolves with its item's result once its batch was written.
 */
export class Batcher<T, R> {
  readonly #options: Required<BatcherOptions<T, R>>;
  #pending: Entry<T, R>[] = [];
  #pendingWeight = 0;
  #flushing = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: BatcherOptions<T, R>) {
    if (!(options.maxSize >= 1)) throw new RangeError(`maxSize must be at least 1, got ${options.maxSize}`);
    if (!(options.maxAgeMs >= 0))
      throw new RangeError(`maxAgeMs must be at least 0, got ${options.maxAgeMs}`);
    this.#options = { weigh: () => 1, ...options };
  }

  /** Items waiting for a batch (not counting the one being flushed). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** The weight of the items waiting for a batch. */
  get pendingWeight(): number {
    return this.#pendingWeight;
  }

  get isFlushing(): boolean {
    return this.#flushing;
  }

  /** True when nothing waits and no flush runs. */
  get isIdle(): boolean {
    return !this.#flushing && this.#pending.length === 0;
  }

  add(item: T): Promise<R> {
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    const weight = Math.max(1, this.#options.weigh(item));
    this.#pending.push({ item, weight, addedAt: Date.now(), resolve, reject });
    this.#pendingWeight += weight;
    this.#schedule();
    return promise;
  }

  /**
   * Flushes what waits without waiting for its age, and from now on flushes every item as soon as the previous
   * flush is done (shutdown). Resolves once nothing waits and no flush runs.
   */
  drain(): Promise<void> {
    this.#immediate = true;
    this.#schedule();
    if (this.isIdle) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#idleWaiters.push(resolve);
    return promise;
  }

  #due(now: number): boolean {
    const oldest = this.#pending[0];
    if (!oldest) return false;
    return (
      this.#immediate ||
      this.#pendingWeight >= this.#options.maxSize ||
      now - oldest.addedAt >= this.#options.maxAgeMs
    );
  }

  #schedule(): void {
    if (this.#flushing) return;
    const oldest = this.#pending[0];
    if (!oldest) {
      this.#clearTimer();
      this.#notifyIdle();
      return;
    }
    const now = Date.now();
    if (this.#due(now)) {
      this.#clearTimer();
      this.#startFlush();
      return;
    }
    if (!this.#timer) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#schedule();
        },
        oldest.addedAt + this.#options.maxAgeMs - now,
      );
    }
  }

  #startFlush(): void {
    const batch: Entry<T, R>[] = [];
    let weight = 0;
    for (const entry of this.#pending) {
      if (batch.length > 0 && weight + entry.weight > this.#options.maxSize) break;
      batch.push(entry);
      weight += entry.weight;
    }
    this.#pending = this.#pending.slice(batch.length);
    this.#pendingWeight -= weight;
    this.#flushing = true;
    void this.#run(batch).finally(() => {
      this.#flushing = false;
      this.#schedule();
    });
  }

  async #run(batch: Entry<T, R>[]): Promise<void> {
    let results: readonly R[];
    try {
      results = await this.#options.flush(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    if (results.length !== batch.length) {
      const error = new Error(`flush answered ${results.length} results for a batch of ${batch.length}`);
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      entry.resolve(results[i] as R);
    });
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
