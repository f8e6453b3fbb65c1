/**
 * The most of something (requests, tokens) that arrived within any sliding window of `windowMs`: what a rate
 * limit is checked against, without the boundary effects of whole-second buckets. Arrivals exactly `windowMs`
 * apart fall in different windows. Times come from the caller's monotonic clock and never go backwards.
 */

/** Dropped arrivals kept at the front of the arrays before they are compacted. */
const COMPACT_AFTER = 1_024;

export class SlidingPeak {
  readonly #windowMs: number;
  /** Arrival times and amounts within the last window, oldest first, from `head` on; a deque without shift(). */
  #times: number[] = [];
  #amounts: number[] = [];
  #head = 0;
  /** The sum of the amounts from `head` on. */
  #sum = 0;
  #peak = 0;

  constructor(windowMs = 1_000) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be a number > 0, got ${windowMs}`);
    this.#windowMs = windowMs;
  }

  /** The largest sum any window has held since construction or the last clear(). */
  get peak(): number {
    return this.#peak;
  }

  /** Records `amount` arriving at `now`; returns the sum the window ending now holds, this arrival included. */
  add(now: number, amount = 1): number {
    const times = this.#times;
    while (this.#head < times.length && now - (times[this.#head] as number) >= this.#windowMs) {
      this.#sum -= this.#amounts[this.#head] as number;
      this.#head++;
    }
    times.push(now);
    this.#amounts.push(amount);
    this.#sum += amount;
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= times.length) {
      times.splice(0, this.#head);
      this.#amounts.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#sum > this.#peak) this.#peak = this.#sum;
    return this.#sum;
  }

  /** Forgets every arrival and the peak: arrivals before a clear never add to a peak after it. */
  clear(): void {
    this.#times = [];
    this.#amounts = [];
    this.#head = 0;
    this.#sum = 0;
    this.#peak = 0;
  }
}
