import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './circuit-breakers.ts';

/** What the fetcher's gauges read on scrape, and which hosts have series of their own. */
export interface FetcherMetricSources {
  requestsInFlight: () => number;
  requestsWaiting: () => number;
  breakerStates: () => Iterable<[host: string, state: BreakerState]>;
  /** Each host's request rate now, across every fetcher (Infinity when unlimited). */
  hostRates: () => Iterable<[host: string, ratePerSecond: number]>;
  /** The fetchers sharing the hosts' limits, as this one last heard from the broker. */
  replicas: () => number;
  /** Whether the host is among those kept (FETCH_MAX_HOSTS). */
  keepsHost: (host: string) => boolean;
}

/** One upstream request, as the per-host metrics count it. */
export interface MeasuredRequest {
  /** What the attempt meant for the job: done, retry or dead. */
  outcome: string;
  /** `2xx`, `4xx`…, or `none` without a response. */
  statusClass: string;
  durationSeconds: number;
  /** Body bytes received; undefined without a response. */
  bytes: number | undefined;
}

/** The `host` label value of the requests and transitions of hosts that are not kept. */
const OTHER_HOST = 'other';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const BREAKER_STATES = Object.keys(BREAKER_STATE_VALUE) as BreakerState[];

type RequestLabels = { outcome: string; status_class: string };

/**
 * The fetcher's own metrics, beside the messaging layer's (which counts retries and dead letters by stage and
 * reason). Labels stay low-cardinality, and the per-host series stay bounded: only the hosts kept by
 * FETCH_MAX_HOSTS (those whose limits are kept, host-scheduler.ts) have a `host` value of their own, the requests
 * and breaker transitions of any other host count under `host="other"`, and a host's series are removed when
 * its limits are forgotten (`forgetHost`). So no metric has more than FETCH_MAX_HOSTS + 1 host values.
 */
export class FetcherMetrics {
  readonly #requests: Counter<'host' | 'outcome' | 'status_class'>;
  readonly #duration: Histogram<'host'>;
  readonly #bytes: Counter<'host'>;
  readonly #deferrals: Counter<'reason'>;
  readonly #breakerTransitions: Counter<'host' | 'to'>;
  readonly #found: Counter<'kind' | 'result'>;
  readonly #robots: Counter<'outcome'>;
  readonly #keepsHost: (host: string) => boolean;
  /** The request label sets each host with series of its own has, to remove with the host. */
  readonly #requestLabels = new Map<string, Map<string, RequestLabels>>();

  constructor(registry: Registry, sources: FetcherMetricSources) {
    const registers = [registry];
    this.#keepsHost = sources.keepsHost;
    this.#requests = new Counter({
      name: 'tributary_fetch_requests_total',
      help: 'Upstream requests, by host, what they meant for the job (done, retry, dead) and status class',
      labelNames: ['host', 'outcome', 'status_class'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'tributary_fetch_request_duration_seconds',
      help: 'Upstream request time, redirects and body included',
      labelNames: ['host'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#bytes = new Counter({
      name: 'tributary_fetch_response_bytes_total',
      help: 'Body bytes received from upstream',
      labelNames: ['host'],
      registers,
    });
    this.#deferrals = new Counter({
      name: 'tributary_fetch_deferred_total',
      help: 'Jobs put off without spending an attempt (circuit open, host busy, shutting down)',
      labelNames: ['reason'],
      registers,
    });
    this.#breakerTransitions = new Counter({
      name: 'tributary_fetch_circuit_transitions_total',
      help: 'Circuit breaker state changes, by host and the state entered',
      labelNames: ['host', 'to'],
      registers,
    });
    this.#found = new Counter({
      name: 'tributary_fetch_found_total',
      help: 'URLs found by discovery, by discovery kind and result: published as jobs, or skipped (found before in the batch, or over a bound)',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.#robots = new Counter({
      name: 'tributary_fetch_robots_total',
      help: 'robots.txt fetches by outcome (read, missing, unavailable), and URLs disallowed by one (disallowed)',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'tributary_fetch_circuit_state',
      help: 'Circuit breaker state per host: 0 closed, 1 half-open, 2 open',
      labelNames: ['host'],
      registers,
      collect() {
        this.reset();
        for (const [host, state] of sources.breakerStates()) {
          // A state cannot be summed under `other`: a breaker outliving its host's limits is not shown.
          if (sources.keepsHost(host)) this.set({ host }, BREAKER_STATE_VALUE[state]);
        }
      },
    });
    new Gauge({
      name: 'tributary_fetch_host_rate',
      help: 'Requests per second a host may get now, across every fetcher: the configured rate, lower after a 429 until it recovers (+Inf when unlimited)',
      labelNames: ['host'],
      registers,
      collect() {
        this.reset();
        for (const [host, rate] of sources.hostRates()) this.set({ host }, rate);
      },
    });
    new Gauge({
      name: 'tributary_fetch_replicas',
      help: "Fetchers sharing each host's limits, as the broker last counted the fetch queue's consumers",
      registers,
      collect() {
        this.set(sources.replicas());
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
      help: 'Jobs held in the fetcher for their turn at their host (concurrency cap or rate), or for a global slot',
      registers,
      collect() {
        this.set(sources.requestsWaiting());
      },
    });
  }

  countRequest(host: string, request: MeasuredRequest): void {
    const labels: RequestLabels = { outcome: request.outcome, status_class: request.statusClass };
    const label = this.#hostLabel(host);
    if (label === host) {
      let kept = this.#requestLabels.get(host);
      if (kept === undefined) {
        kept = new Map();
        this.#requestLabels.set(host, kept);
      }
      const key = `${labels.outcome} ${labels.status_class}`;
      if (!kept.has(key)) kept.set(key, labels);
    }
    this.#requests.inc({ host: label, ...labels });
    this.#duration.observe({ host: label }, request.durationSeconds);
    if (request.bytes !== undefined) this.#bytes.inc({ host: label }, request.bytes);
  }

  countDeferral(reason: string): void {
    this.#deferrals.inc({ reason });
  }

  countFound(kind: string, counts: { published: number; skipped: number }): void {
    this.#found.inc({ kind, result: 'published' }, counts.published);
    this.#found.inc({ kind, result: 'skipped' }, counts.skipped);
  }

  countRobots(outcome: 'read' | 'missing' | 'unavailable' | 'disallowed'): void {
    this.#robots.inc({ outcome });
  }

  countBreakerTransition(host: string, to: BreakerState): void {
    this.#breakerTransitions.inc({ host: this.#hostLabel(host), to });
  }

  /** Removes the host's series: it is no longer kept (a host named `other` shares the series of the others). */
  forgetHost(host: string): void {
    if (host === OTHER_HOST) return;
    for (const labels of this.#requestLabels.get(host)?.values() ?? []) {
      this.#requests.remove({ host, ...labels });
    }
    this.#requestLabels.delete(host);
    this.#duration.remove({ host });
    this.#bytes.remove({ host });
    for (const to of BREAKER_STATES) this.#breakerTransitions.remove({ host, to });
  }

  #hostLabel(host: string): string {
    return this.#keepsHost(host) ? host : OTHER_HOST;
  }
}
