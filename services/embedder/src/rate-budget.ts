import { sleep as timersSleep } from '@tributary/core';

/**
 * The embedder's budget at the endpoint: requests per minute and tokens per minute, both taken together by each
 * request before it starts. Each budget allows a burst of one second's worth at most (a client that was idle for
 * a minute does not send the minute's budget at once), then the steady rate. A single request larger than one
 * second's worth of tokens waits for its tokens, from when its turn comes, and then goes alone: the requests after
 * it wait for their own tokens. Waiters are served in the order they asked; one that gives up (its signal aborts)
 * costs nothing.
 *
 * It is GCRA (virtual scheduling; ITU-T I.371): each budget keeps a theoretical arrival time (TAT) and a request of
 * cost c may start at max(TAT, turn) + c·T − τ, T the time one unit takes at the rate and τ the burst (1 s, or T
 * when one request alone is more than a second's worth); starting moves TAT to max(TAT + c·T, start + min(c·T, τ)).
 * Over any span starting with request i, what starts is at most span/T + max(τ/T, cᵢ) (rate-budget.test.ts checks it).
 *
 * Not the `limiter` package, which was the first choice and cannot say this cleanly: its buckets charge one count
 * to a bucket and its parents alike, while a request costs 1 of one budget and n of the other (and awaiting two
 * limiters one after the other is not atomic, as its README says); it rejects a request larger than its bucket
 * instead of letting it wait; a waiting `removeTokens` cannot be withdrawn (no AbortSignal), so a stopping embedder
 * would still spend budget for requests it never sends; and its clock and timers are the global ones only.
 */

export interface RateBudgetOptions {
  /** Requests started per minute at most; 0 means unlimited. */
  requestsPerMinute: number;
  /** Tokens (summed over a request's inputs) started per minute at most; 0 means unlimited. */
  tokensPerMinute: number;
  /** The clock, in milliseconds, never going back; tests pass their own. */
  now?: () => number;
  /** Resolves after `ms`, rejects early when the signal aborts; tests pass their own. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MINUTE_MS = 60_000;
/** The burst: one second's worth. */
const BURST_MS = 1_000;

/** One budget, as GCRA keeps it. */
class Gcra {
  /** Time one unit takes at the rate. */
  readonly #intervalMs: number;
  /** How far ahead of the clock TAT may run when a request starts: the burst. */
  readonly #toleranceMs: number;
  #tat = Number.NEGATIVE_INFINITY;

  constructor(perMinute: number) {
    this.#intervalMs = MINUTE_MS / perMinute;
    this.#toleranceMs = Math.max(BURST_MS, this.#intervalMs);
  }

  /** When a request of `cost` units, whose turn came at `turnAt`, may start. */
  startAt(cost: number, turnAt: number): number {
    return Math.max(this.#tat, turnAt) + cost * this.#intervalMs - this.#toleranceMs;
  }

  /** Charges a request of `cost` units that starts at `startedAt` (not before its startAt). */
  charge(cost: number, startedAt: number): void {
    const costMs = cost * this.#intervalMs;
    this.#tat = Math.max(this.#tat + costMs, startedAt + Math.min(costMs, this.#toleranceMs));
  }
}

interface Waiter {
  tokens: number;
  /** When the waiter came to the head of the queue: a large request's tokens accrue from then. */
  turnAt: number | undefined;
  resolve: () => void;
  withdraw: (() => void) | undefined;
  signal: AbortSignal | undefined;
}

export class RateBudget {
  readonly #requests: Gcra | undefined;
  readonly #tokens: Gcra | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #queue: Waiter[] = [];
  /** Wakes the pump early when the head of the queue withdraws. */
  #wake: AbortController | undefined;
  #pumping = false;

  constructor(options: RateBudgetOptions) {
    for (const name of ['requestsPerMinute', 'tokensPerMinute'] as const) {
      const value = options[name];
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${name} must be a finite number, 0 or more (0: unlimited), got ${value}`);
      }
    }
    this.#requests = options.requestsPerMinute > 0 ? new Gcra(options.requestsPerMinute) : undefined;
    this.#tokens = options.tokensPerMinute > 0 ? new Gcra(options.tokensPerMinute) : undefined;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? timersSleep;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves when one request of `tokens` tokens may start, both budgets charged; rejects with the signal's reason
   * if it aborts first, nothing charged.
   */
  take(tokens: number, signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(tokens) || tokens < 0) {
      return Promise.reject(new RangeError(`tokens must be a finite number, 0 or more, got ${tokens}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0) {
      const now = this.#now();
      if (this.#startAt(tokens, now) <= now) {
        this.#charge(tokens, now);
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { tokens, turnAt: undefined, resolve, withdraw: undefined, signal };
      if (signal !== undefined) {
        waiter.withdraw = () => {
          const at = this.#queue.indexOf(waiter);
          if (at < 0) return;
          this.#queue.splice(at, 1);
          if (at === 0) this.#wake?.abort();
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.withdraw, { once: true });
      }
      this.#queue.push(waiter);
      if (!this.#pumping) void this.#pump();
    });
  }

  /** Serves the queue in order, one timer at a time: the head's. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
        const now = this.#now();
        head.turnAt ??= now;
        const startAt = this.#startAt(head.tokens, head.turnAt);
        if (startAt <= now) {
          this.#queue.shift();
          if (head.withdraw !== undefined) head.signal?.removeEventListener('abort', head.withdraw);
          this.#charge(head.tokens, now);
          head.resolve();
          continue;
        }
        const wake = new AbortController();
        this.#wake = wake;
        try {
          await this.#sleep(Math.ceil(startAt - now), wake.signal);
        } catch {
          // The head withdrew: the next one's turn has come.
        } finally {
          this.#wake = undefined;
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  #startAt(tokens: number, turnAt: number): number {
    return Math.max(
      this.#requests?.startAt(1, turnAt) ?? Number.NEGATIVE_INFINITY,
      this.#tokens?.startAt(tokens, turnAt) ?? Number.NEGATIVE_INFINITY,
    );
  }

  #charge(tokens: number, startedAt: number): void {
    this.#requests?.charge(1, startedAt);
    this.#tokens?.charge(tokens, startedAt);
  }
}
