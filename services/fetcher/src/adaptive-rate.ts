/**
 * A host's request rate that follows what the host says (docs/architecture.md §5.3): a 429, or a 503 with
 * Retry-After, multiplies the rate down; each second without one adds back a fixed step towards the configured
 * rate (AIMD, as TCP does with its window). Pure: the caller passes the time.
 *
 * The decrease follows the share of the host's recent answers that asked to slow down, down to `decrease` when
 * a large share did: a host over its limit answers many requests 429 and is slowed by the full step, while one
 * URL answering 429 among hundreds of answers (a per-URL quota, a fluke) barely moves a busy host's rate.
 *
 * A host with no configured rate (unlimited) is slowed from the rate it was actually getting, and becomes
 * unlimited again once it has climbed back there. One decrease per second at most: the 429s answered to
 * requests that were already on their way before the first one came back say nothing new.
 */

export interface AdaptiveRateOptions {
  /** Requests per second configured for the host; 0 means unlimited. */
  configured: number;
  /** Multiplier applied on a decrease. */
  decrease?: number;
  /** Share of the ceiling added back per second without a decrease. */
  recoveryPerSecond?: number;
  /** The rate never drops below this (requests per second). */
  floor?: number;
}

const ONE_DECREASE_PER_MS = 1_000;

export class AdaptiveRate {
  readonly #configured: number;
  readonly #decrease: number;
  readonly #recovery: number;
  readonly #floor: number;
  /**
   * The rate right after the last decrease and when that was (recovery counts from there); the rate before the
   * decreases of this second and when it began; undefined while at the configured rate.
   */
  #lowered: { rate: number; atMs: number; ceiling: number; from: number; windowAtMs: number } | undefined;

  constructor(options: AdaptiveRateOptions) {
    this.#configured = options.configured;
    this.#decrease = options.decrease ?? 0.7;
    this.#recovery = options.recoveryPerSecond ?? 0.2;
    this.#floor = options.floor ?? 0.2;
  }

  /** Requests per second allowed now; `Infinity` when unlimited. */
  current(nowMs: number): number {
    const lowered = this.#lowered;
    if (lowered === undefined) return this.#unlimitedOrConfigured();
    const seconds = Math.max(0, nowMs - lowered.atMs) / 1_000;
    const rate = lowered.rate + seconds * this.#recovery * lowered.ceiling;
    if (rate < lowered.ceiling) return rate;
    this.#lowered = undefined;
    return this.#unlimitedOrConfigured();
  }

  /** Whether the rate is below the configured one because the host asked to slow down. */
  isLowered(nowMs: number): boolean {
    return this.current(nowMs) < this.#unlimitedOrConfigured();
  }

  /**
   * The host asked to slow down. `observedRate` is what it was getting (requests per second), the starting point
   * when no rate is configured; `share` is the part of its recent answers that asked to slow down (1 when
   * unknown). Within a second of a decrease, more such answers deepen it to what their share says, from the
   * same starting rate: decreases never compound within a second. Returns whether the rate was lowered.
   */
  slowDown(nowMs: number, observedRate: number, share = 1): boolean {
    const factor = Math.max(this.#decrease, 1 - Math.min(1, Math.max(0, share)));
    const now = this.current(nowMs);
    const lowered = this.#lowered;
    if (lowered !== undefined && nowMs - lowered.windowAtMs < ONE_DECREASE_PER_MS) {
      const deeper = Math.max(this.#floor, lowered.from * factor);
      if (deeper >= now) return false;
      lowered.rate = deeper;
      lowered.atMs = nowMs;
      return true;
    }
    const from = Number.isFinite(now) ? now : Math.max(observedRate, this.#floor);
    const ceiling = lowered?.ceiling ?? (this.#configured > 0 ? this.#configured : from);
    this.#lowered = {
      rate: Math.max(this.#floor, from * factor),
      atMs: nowMs,
      ceiling,
      from,
      windowAtMs: nowMs,
    };
    return true;
  }

  #unlimitedOrConfigured(): number {
    return this.#configured > 0 ? this.#configured : Number.POSITIVE_INFINITY;
  }
}
