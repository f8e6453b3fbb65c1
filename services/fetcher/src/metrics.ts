import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './circuit-breakers.ts';

/** What the fetcher's gauges read on scrape. */
export interface FetcherMetricSources {
  requestsInFlight: () => number;
  requestsWaiting: () => number;
  breakerStates: () => Iterable<[host: string, state: BreakerState]>;
}

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The fetcher's own metrics, beside the messaging layer's; labels stay low-cardinality (host, reason). */
export class FetcherMetrics {
  readonly requests: Counter<'host' | 'outcome' | 'status_class'>;
  readonly duration: Histogram<'host'>;
  readonly bytes: Counter<'host'>;
  readonly retries: Counter<'reason'>;
  readonly deferrals: Counter<'reason'>;
  readonly deadLetters: Counter<'reason'>;
  readonly breakerTransitions: Counter<'host' | 'to'>;

  constructor(registry: Registry, sources: FetcherMetricSources) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'tributary_fetch_requests_total',
      help: 'Upstream requests, by host, what they meant for the job (done, retry, dead) and status class',
      labelNames: ['host', 'outcome', 'status_class'],
      registers,
    });
    this.duration = new Histogram({
      name: 'tributary_fetch_request_duration_seconds',
      help: 'Upstream request time, redirects and body included',
      labelNames: ['host'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.bytes = new Counter({
      name: 'tributary_fetch_response_bytes_total',
      help: 'Body bytes received from upstream',
      labelNames: ['host'],
      registers,
    });
    this.retries = new Counter({
      name: 'tributary_fetch_retries_total',
      help: 'Jobs sent back for another attempt, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.deferrals = new Counter({
      name: 'tributary_fetch_deferred_total',
      help: 'Jobs put off without spending an attempt (circuit open, host backing off, shutting down)',
      labelNames: ['reason'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'tributary_fetch_dead_letters_total',
      help: 'Jobs dead-lettered, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.breakerTransitions = new Counter({
      name: 'tributary_fetch_circuit_transitions_total',
      help: 'Circuit breaker state changes, by host and the state entered',
      labelNames: ['host', 'to'],
      registers,
    });
    new Gauge({
      name: 'tributary_fetch_circuit_state',
      help: 'Circuit breaker state per host: 0 closed, 1 half-open, 2 open',
      labelNames: ['host'],
      registers,
      collect() {
        this.reset();
        for (const [host, state] of sources.breakerStates()) this.set({ host }, BREAKER_STATE_VALUE[state]);
      },
    });
    new Gauge({
      name: 'tributary_fetch_requests_in_flight',
      help: 'Upstream requests running now',
      registers,
      collect() {
        this.set(sources.requestsInFlight());
      },
    });
    new Gauge({
      name: 'tributary_fetch_requests_waiting',
      help: 'Jobs waiting for a per-host slot (concurrency cap or rate limit)',
      registers,
      collect() {
        this.set(sources.requestsWaiting());
      },
    });
  }
}
