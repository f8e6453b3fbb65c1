/**
 * Callers waiting their turn, released one at a time in arrival order. An index into an array instead of
 * `shift()`, so a long queue (thousands of publishes held back) is not copied on every release.
 */
export class WaitQueue {
  #waiting: (() => void)[] = [];
  #head = 0;

  get length(): number {
    return this.#waiting.length - this.#head;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  releaseOne(): void {
    if (this.#head === this.#waiting.length) return;
    const next = this.#waiting[this.#head];
    this.#waiting[this.#head] = noop;
    this.#head++;
    if (this.#head > 1_024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    next?.();
  }

  releaseAll(): void {
    while (this.length > 0) this.releaseOne();
  }
}

function noop(): void {}
