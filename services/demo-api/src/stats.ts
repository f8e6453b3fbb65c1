import { Counter, Gauge, type Registry } from 'prom-client';
import type { FaultLabel } from './response-plan.ts';
import { OBSERVABILITY_ROUTES, type RouteName } from './routes.ts';

/**
 * What reached the demo API, two ways: exact counters a test reads and resets cheaply (`GET /stats`,
 * `POST /stats/reset`, or in process), and Prometheus metrics on the API's own registry, which only ever
 * grow. Both count by route pattern (`/records/:id`), never by id or URL. The exact counters leave out the
 * observability routes (`/stats`, `/stats/reset`, `/metrics`, `/healthz`), so that reading them, resetting
 * them or a Prometheus scrape never changes what a test counts; the metrics count everything. Per-URL
 * attempt counts (what `failFirst` uses) are kept for the most recent `maxTrackedUrls` URLs.
 */

export interface StatsSnapshot {
  /** Requests that arrived, by route pattern. */
  requests: Record<string, number>;
  /** Responses by status code; `none` counts requests that ended without one (hang, client gone). */
  byStatus: Record<string, number>;
  /** Content requests by the fault that decided their answer; `none` for plain content. */
  byFault: Record<string, number>;
  /** Responses by route pattern, then status. */
  responses: Record<string, Record<string, number>>;
  /** Requests that arrived and have not ended yet (observability routes left out, like everywhere here). */
  inFlight: number;
  /** All requests that arrived. */
  total: number;
  /** Bytes of content bodies written to sockets (`/records`, `/pages`, `/feed`), faulty bodies included. */
  bodyBytes: number;
}

type CounterChild = ReturnType<Counter<'route' | 'status' | 'fault'>['labels']>;

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export interface DemoStatsOptions {
  registry: Registry;
  /** Per-URL attempt counters kept; the oldest URL is forgotten beyond this. */
  maxTrackedUrls?: number;
}

export class DemoStats {
  #requests: Record<string, number> = {};
  #byStatus: Record<string, number> = {};
  #byFault: Record<string, number> = {};
  #responses: Record<string, Record<string, number>> = {};
  #inFlight = 0;
  #total = 0;
  #bodyBytes = 0;
  readonly #attempts = new Map<string, number>();
  readonly #maxTrackedUrls: number;
  readonly #counter: Counter<'route' | 'status' | 'fault'>;
  readonly #children = new Map<string, CounterChild>();
  readonly #bytes: Counter<'route'>;

  constructor(options: DemoStatsOptions) {
    this.#maxTrackedUrls = options.maxTrackedUrls ?? 100_000;
    this.#counter = new Counter({
      name: 'tributary_demo_requests_total',
      help: 'Requests the demo API answered (or that ended unanswered: status "none"), by route pattern, status and the fault that decided the answer',
      labelNames: ['route', 'status', 'fault'],
      registers: [options.registry],
    });
    this.#bytes = new Counter({
      name: 'tributary_demo_response_body_bytes_total',
      help: 'Bytes of content bodies the demo API wrote, by route pattern',
      labelNames: ['route'],
      registers: [options.registry],
    });
    const stats = this;
    new Gauge({
      name: 'tributary_demo_requests_in_flight',
      help: 'Requests the demo API has received and not finished',
      registers: [options.registry],
      collect() {
        this.set(stats.#inFlight);
      },
    });
  }

  /** A request arrived. */
  arrived(route: RouteName): void {
    if (OBSERVABILITY_ROUTES.has(route)) return;
    bump(this.#requests, route);
    this.#inFlight++;
    this.#total++;
  }

  /** Counts a request for this exact URL (path and query); returns how many there have been, this one included. */
  attempt(url: string): number {
    const n = (this.#attempts.get(url) ?? 0) + 1;
    if (n === 1 && this.#attempts.size >= this.#maxTrackedUrls) {
      const oldest = this.#attempts.keys().next();
      if (!oldest.done) this.#attempts.delete(oldest.value);
    }
    this.#attempts.set(url, n);
    return n;
  }

  /** How many requests for this exact URL (path and query) arrived since the last reset. */
  attempts(url: string): number {
    return this.#attempts.get(url) ?? 0;
  }

  /** A content request's answer was decided by this fault. */
  decided(fault: FaultLabel): void {
    bump(this.#byFault, fault);
  }

  /** A status is being sent. */
  responded(route: RouteName, status: number, fault: FaultLabel): void {
    this.#count(route, String(status), fault);
  }

  /** A request ended without a status being sent. */
  abandoned(route: RouteName, fault: FaultLabel): void {
    this.#count(route, 'none', fault);
  }

  /** Bytes of a content body were written. */
  wrote(route: RouteName, bytes: number): void {
    this.#bodyBytes += bytes;
    this.#bytes.inc({ route }, bytes);
  }

  /** A request ended, answered or not. */
  finished(route: RouteName): void {
    if (OBSERVABILITY_ROUTES.has(route)) return;
    this.#inFlight--;
  }

  snapshot(): StatsSnapshot {
    const responses: Record<string, Record<string, number>> = {};
    for (const [route, counts] of Object.entries(this.#responses)) responses[route] = { ...counts };
    return {
      requests: { ...this.#requests },
      byStatus: { ...this.#byStatus },
      byFault: { ...this.#byFault },
      responses,
      inFlight: this.#inFlight,
      total: this.#total,
      bodyBytes: this.#bodyBytes,
    };
  }

  /** Zeroes the counters and forgets per-URL attempts (so `failFirst` starts over). In-flight requests stay counted. */
  reset(): void {
    this.#requests = {};
    this.#byStatus = {};
    this.#byFault = {};
    this.#responses = {};
    this.#total = 0;
    this.#bodyBytes = 0;
    this.#attempts.clear();
  }

  #count(route: RouteName, status: string, fault: FaultLabel): void {
    this.#child(route, status, fault).inc();
    if (OBSERVABILITY_ROUTES.has(route)) return;
    bump(this.#byStatus, status);
    let byRoute = this.#responses[route];
    if (byRoute === undefined) {
      byRoute = {};
      this.#responses[route] = byRoute;
    }
    bump(byRoute, status);
  }

  #child(route: string, status: string, fault: string): CounterChild {
    const key = `${route} ${status} ${fault}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#counter.labels(route, status, fault);
      this.#children.set(key, child);
    }
    return child;
  }
}
