/**
 * Waits that the server can cancel all at once: latency and drip delays use it so that `close()` does not
 * wait for timers, and no timer outlives the server.
 */
export class PendingTimers {
  readonly #pending = new Map<NodeJS.Timeout, (elapsed: boolean) => void>();
  #cancelled = false;

  /** Resolves true after `ms`, or false at once if cancelled (now or later). */
  wait(ms: number): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Clears every pending timer, resolving its wait with false; later waits resolve false at once. */
  cancelAll(): void {
    this.#cancelled = true;
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#pending.clear();
  }
}
