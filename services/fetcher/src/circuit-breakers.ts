import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import { CircuitOpenError } from './errors.ts';

/**
 * One circuit breaker per host, judging the health of the host rather than of a few URLs (docs/architecture.md
 * §5.3). Created on first use, kept for the most recently used `maxHosts` hosts.
 *
 * Each request's result is judged by the caller: a `failure` of the host (it cannot be reached, it times out, it
 * answers a fresh URL with a 5xx), a `success` (it answered), or `neutral`: a retry of a URL that already failed
 * failing again, which says something about that URL and nothing new about the host, so that the tail of a batch,
 * made only of such retries, cannot hold a healthy host's breaker open. Opossum keeps the rolling window, the
 * thresholds and the timers; it is told only the judged results (a `failure` or `success` recorded as a call).
 *
 * While open, `call` refuses at once with CircuitOpenError. After the reset time, half-open: up to `probes`
 * requests go through; the first judged result decides (a success closes, a failure opens again) and neutral
 * ones let the next probe through. With several fetchers, each needs only its share of the volume
 * (`setReplicas`), so a host that goes down is noticed after about the configured volume in all.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What one request says about its host. */
export type HostJudgement = 'success' | 'failure' | 'neutral';

export interface CircuitBreakersOptions {
  /** Failure percentage within the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Judged requests within the window before the percentage is judged at all, across every fetcher. */
  volumeThreshold: number;
  /** Time open before probes are let through (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
  /** Requests let through at once while half-open. */
  probes: number;
  maxHosts: number;
  onTransition?: (host: string, to: BreakerState) => void;
}

/** How soon a job refused while the probes are out may look again: the probes decide within a request's time. */
const PROBES_OUT_RETRY_MS = 1_000;

class RecordedFailure extends Error {}

type Record = () => Promise<void>;

interface HostBreaker {
  breaker: CircuitBreaker<[Record], void>;
  openedAt: number;
  probesOut: number;
  /** The volume threshold this breaker was built with (the replicas' share). */
  volume: number;
}

const recordSuccess: Record = async () => {};
const recordFailure: Record = async () => {
  throw new RecordedFailure('judged a failure of the host');
};

export class CircuitBreakers {
  readonly #options: CircuitBreakersOptions;
  readonly #breakers: LRUCache<string, HostBreaker>;
  #replicas = 1;

  constructor(options: CircuitBreakersOptions) {
    this.#options = options;
    this.#breakers = new LRUCache<string, HostBreaker>({
      max: options.maxHosts,
      dispose: (entry) => entry.breaker.shutdown(),
    });
  }

  /**
   * Runs `work` under the host's breaker and records what `judge` says of its result, which is returned as it is.
   * Rejects with CircuitOpenError, without running `work`, while the circuit is open or its probes are out.
   */
  async call<T>(host: string, work: () => Promise<T>, judge: (result: T) => HostJudgement): Promise<T> {
    const entry = this.#entry(host);
    if (this.#refuses(entry)) throw new CircuitOpenError(host, this.retryAfterMs(host));
    const probe = stateOf(entry.breaker) === 'half-open';
    if (probe) entry.probesOut++;
    let judgement: HostJudgement = 'neutral';
    try {
      const result = await work();
      judgement = judge(result);
      return result;
    } finally {
      if (probe) entry.probesOut--;
      // A result of a request sent before the breaker opened must not decide the half-open state.
      const decides = stateOf(entry.breaker) !== 'half-open' || probe;
      if (judgement !== 'neutral' && decides) {
        await entry.breaker.fire(judgement === 'failure' ? recordFailure : recordSuccess).catch(() => {});
      }
    }
  }

  /** Time until an open breaker lets probes through; while the probes are out, a short while. */
  retryAfterMs(host: string): number {
    const entry = this.#breakers.peek(host);
    if (entry === undefined) return 0;
    const state = stateOf(entry.breaker);
    if (state === 'closed') return 0;
    if (state === 'half-open') return PROBES_OUT_RETRY_MS;
    return Math.max(0, entry.openedAt + this.#options.resetTimeoutMs - Date.now());
  }

  /** Whether a call now would be refused without reaching the host. */
  isOpen(host: string): boolean {
    const entry = this.#breakers.peek(host);
    return entry !== undefined && this.#refuses(entry);
  }

  /** How many fetchers share the hosts: each needs its share of the volume before its breaker may open. */
  setReplicas(replicas: number): void {
    this.#replicas = Math.max(1, Math.floor(replicas));
  }

  /** Every breaker kept, with its state. */
  *states(): Generator<[host: string, state: BreakerState]> {
    for (const [host, entry] of this.#breakers.entries()) yield [host, stateOf(entry.breaker)];
  }

  close(): void {
    this.#breakers.clear();
  }

  /** Open, or half-open with every probe out. */
  #refuses(entry: HostBreaker): boolean {
    const state = stateOf(entry.breaker);
    return state === 'open' || (state === 'half-open' && entry.probesOut >= this.#options.probes);
  }

  #volumeShare(): number {
    return Math.max(1, Math.ceil(this.#options.volumeThreshold / this.#replicas));
  }

  #entry(host: string): HostBreaker {
    const volume = this.#volumeShare();
    const kept = this.#breakers.get(host);
    // A closed breaker built for another number of fetchers is built again; an open one keeps its state.
    if (kept !== undefined && (kept.volume === volume || stateOf(kept.breaker) !== 'closed')) return kept;
    const { errorThresholdPercentage, resetTimeoutMs, rollingWindowMs, onTransition } = this.#options;
    const breaker = new CircuitBreaker<[Record], void>((record) => record(), {
      name: host,
      timeout: false,
      errorThresholdPercentage,
      volumeThreshold: volume,
      resetTimeout: resetTimeoutMs,
      rollingCountTimeout: rollingWindowMs,
      rollingCountBuckets: 10,
    });
    const created: HostBreaker = { breaker, openedAt: 0, probesOut: 0, volume };
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

function stateOf(breaker: CircuitBreaker<[Record], void>): BreakerState {
  if (breaker.halfOpen) return 'half-open';
  return breaker.opened ? 'open' : 'closed';
}
