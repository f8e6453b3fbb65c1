import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import { CircuitOpenError } from './errors.ts';

/**
 * One opossum circuit breaker per host, created on first use and kept for the most recently used `maxHosts`
 * hosts (an evicted breaker is shut down). Only the failures the caller says count (network, timeout, 5xx)
 * move a breaker; a 404 is an answer, not a failing host. While a breaker is open, `call` refuses at once
 * with CircuitOpenError, saying how long until the half-open probe.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakersOptions {
  /** Failure percentage within the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Requests within the window before the percentage is judged at all. */
  volumeThreshold: number;
  /** Time open before one probe request is let through (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
  maxHosts: number;
  onTransition?: (host: string, to: BreakerState) => void;
}

/**
 * Not an error: a result the breaker must count as a failure, carried through opossum's rejection path and
 * returned by `call` as the result it is.
 */
class CountedFailure<T> {
  readonly result: T;

  constructor(result: T) {
    this.result = result;
  }
}

type Work = () => Promise<unknown>;

interface HostBreaker {
  breaker: CircuitBreaker<[Work], unknown>;
  openedAt: number;
}

export class CircuitBreakers {
  readonly #options: CircuitBreakersOptions;
  readonly #breakers: LRUCache<string, HostBreaker>;

  constructor(options: CircuitBreakersOptions) {
    this.#options = options;
    this.#breakers = new LRUCache<string, HostBreaker>({
      max: options.maxHosts,
      dispose: (entry) => entry.breaker.shutdown(),
    });
  }

  /**
   * Runs `work` under the host's breaker. A result for which `countsAsFailure` is true is still returned, but
   * counts against the host. Rejects with CircuitOpenError, without running `work`, while the circuit is open.
   */
  async call<T>(host: string, work: () => Promise<T>, countsAsFailure: (result: T) => boolean): Promise<T> {
    const entry = this.#entry(host);
    try {
      return (await entry.breaker.fire(async () => {
        const result = await work();
        if (countsAsFailure(result)) throw new CountedFailure(result);
        return result;
      })) as T;
    } catch (err) {
      if (err instanceof CountedFailure) return err.result as T;
      if ((err as { code?: unknown }).code === 'EOPENBREAKER') {
        throw new CircuitOpenError(host, this.retryAfterMs(host));
      }
      throw err;
    }
  }

  /** Time until an open breaker lets a probe through; for a half-open one whose probe is out, a full reset. */
  retryAfterMs(host: string): number {
    const entry = this.#breakers.peek(host);
    if (entry === undefined) return 0;
    const state = stateOf(entry.breaker);
    if (state === 'closed') return 0;
    if (state === 'half-open') return this.#options.resetTimeoutMs;
    return Math.max(0, entry.openedAt + this.#options.resetTimeoutMs - Date.now());
  }

  /** Whether a call now would be refused without reaching the host. */
  isOpen(host: string): boolean {
    return this.#breakers.peek(host)?.breaker.opened ?? false;
  }

  /** Every breaker kept, with its state. */
  *states(): Generator<[host: string, state: BreakerState]> {
    for (const [host, entry] of this.#breakers.entries()) yield [host, stateOf(entry.breaker)];
  }

  close(): void {
    this.#breakers.clear();
  }

  #entry(host: string): HostBreaker {
    const entry = this.#breakers.get(host);
    if (entry !== undefined) return entry;
    const { errorThresholdPercentage, volumeThreshold, resetTimeoutMs, rollingWindowMs, onTransition } =
      this.#options;
    const breaker = new CircuitBreaker<[Work], unknown>((work) => work(), {
      name: host,
      // Timeouts are undici's (connect, headers, body); opossum's own would race them.
      timeout: false,
      errorThresholdPercentage,
      volumeThreshold,
      resetTimeout: resetTimeoutMs,
      rollingCountTimeout: rollingWindowMs,
      rollingCountBuckets: 10,
      // Only CountedFailure counts; anything else thrown (a bug, an abort) is not the host's fault.
      errorFilter: (err: unknown) => !(err instanceof CountedFailure),
    });
    const created: HostBreaker = { breaker, openedAt: 0 };
    breaker.on('open', () => {
      created.openedAt = Date.now();
      onTransition?.(host, 'open');
    });
    breaker.on('halfOpen', () => onTransition?.(host, 'half-open'));
    breaker.on('close', () => onTransition?.(host, 'closed'));
    this.#breakers.set(host, created);
    return created;
  }
}

function stateOf(breaker: CircuitBreaker<[Work], unknown>): BreakerState {
  if (breaker.halfOpen) return 'half-open';
  return breaker.opened ? 'open' : 'closed';
}
