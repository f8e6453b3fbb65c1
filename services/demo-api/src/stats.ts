import { Counter, Gauge, type Registry } from 'prom-client';
import { EmbeddingStats, type EmbeddingStatsSnapshot } from './embedding-stats.ts';
import type { FaultLabel } from './response-plan.ts';
import { EMBEDDING_ROUTES, OBSERVABILITY_ROUTES, type RouteName } from './routes.ts';
import { SlidingPeak } from './sliding-peak.ts';

/**
 * What reached the demo API, two ways: exact counters a test reads and resets cheaply (`GET /stats`,
 * `POST /stats/reset`, or in process), and Prometheus metrics on the API's own registry, which only ever
 * grow. Both count by route pattern (`/records/:id`), never by id or URL. The exact counters leave out the
 * observability routes (`/stats`, `/stats/reset`, `/metrics`, `/healthz`), so that reading them, resetting
 * them or a Prometheus scrape never changes what a test counts; the metrics count everything. Per-URL
 * attempt counts (what `failFirst` uses) are kept for the most recent `maxTrackedUrls` URLs.
 *
 * The exact counters also say what each host saw (by `Host` header, so one API on one port can play many
 * upstream hosts): enough for a test to check a per-host rate limit or concurrency cap from the server's
 * side, not from the client's own bookkeeping. The embedding routes get a part of their own (`embeddings`):
 * inputs and tokens per request and per second.
 */

/** What one host (one `Host` header) saw since the last reset. */
export interface HostStats {
  /** Requests that arrived for this host. */
  requests: number;
  /** Requests for this host that arrived and have not ended yet. */
  inFlight: number;
  /** The most requests this host had in flight at once: what a concurrency cap is checked against. */
  peakInFlight: number;
  /**
   * The most arrivals within any sliding 1,000 ms window (arrivals exactly 1,000 ms apart fall in different
   * windows): what a rate limit is checked against, without the boundary effects of whole-second buckets.
   */
  peakPerSecond: number;
}

export interface StatsSnapshot {
  /** Requests that arrived, by route pattern. */
  requests: Record<string, number>;
  /** Responses by status code; `none` counts requests that ended without one (hang, client gone). */
  byStatus: Record<string, number>;
  /** Content and embedding requests by the fault that decided their answer; `none` for plain content. */
  byFault: Record<string, number>;
  /** Responses by route pattern, then status. */
  responses: Record<string, Record<string, number>>;
  /** Requests that arrived and have not ended yet (observability routes left out, like everywhere here). */
  inFlight: number;
  /** All requests that arrived. */
  total: number;
  /** Bytes of content bodies written to sockets (`/records`, `/pages`, `/feed`), faulty bodies included. */
  bodyBytes: number;
  /**
   * By `Host` header as sent, lower-cased (`127.0.0.2:8080`; `''` when missing), so that hosts sharing this
   * API are told apart. Beyond `maxTrackedHosts` hosts the least recently seen idle one is forgotten.
   */
  byHost: Record<string, HostStats>;
  /** What `/v1/embeddings` and `/embed` saw: requests, inputs, tokens, their maxima and per-second peaks. */
  embeddings: EmbeddingStatsSnapshot;
}

type CounterChild = ReturnType<Counter<'route' | 'status' | 'fault'>['labels']>;

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The sliding window of the per-second peaks. */
const RATE_WINDOW_MS = 1_000;

interface HostEntry {
  requests: number;
  inFlight: number;
  peakInFlight: number;
  arrivals: SlidingPeak;
}

function hostKey(host: string | undefined): string {
  return host === undefined ? '' : host.toLowerCase();
}

export interface DemoStatsOptions {
  registry: Registry;
  /** Per-URL attempt counters kept; the oldest URL is forgotten beyond this. */
  maxTrackedUrls?: number;
  /**
   * Hosts tracked in `byHost`; beyond this the least recently seen host with nothing in flight is forgotten
   * (a host with requests in flight is kept, or its in-flight count would go wrong). Default 1,000.
   */
  maxTrackedHosts?: number;
  /** Monotonic clock in milliseconds for the per-second peaks; a test passes its own. Default performance.now. */
  now?: () => number;
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
  /** Least recently seen host first: an arrival moves its host to the end. */
  readonly #hosts = new Map<string, HostEntry>();
  readonly #maxTrackedHosts: number;
  readonly #now: () => number;
  readonly #embeddings = new EmbeddingStats();
  readonly #counter: Counter<'route' | 'status' | 'fault'>;
  readonly #children = new Map<string, CounterChild>();
  readonly #bytes: Counter<'route'>;

  constructor(options: DemoStatsOptions) {
    this.#maxTrackedUrls = options.maxTrackedUrls ?? 100_000;
    this.#maxTrackedHosts = options.maxTrackedHosts ?? 1_000;
    this.#now = options.now ?? (() => performance.now());
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

  /** A request arrived for this `Host` header (`req.headers.host`). */
  arrived(route: RouteName, host: string | undefined): void {
    if (OBSERVABILITY_ROUTES.has(route)) return;
    bump(this.#requests, route);
    this.#inFlight++;
    this.#total++;
    const entry = this.#hostArrived(hostKey(host));
    entry.requests++;
    entry.inFlight++;
    if (entry.inFlight > entry.peakInFlight) entry.peakInFlight = entry.inFlight;
    const now = this.#now();
    entry.arrivals.add(now);
    if (EMBEDDING_ROUTES.has(route)) this.#embeddings.arrived(now);
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

  /** An embedding request's body was read: it carried this many inputs and tokens, whatever its answer. */
  embeddingsSent(inputs: number, tokens: number): void {
    this.#embeddings.sent(this.#now(), inputs, tokens);
  }

  /** An embedding answer is delivering vectors for this many inputs and tokens. */
  embedded(inputs: number, tokens: number): void {
    this.#embeddings.embedded(inputs, tokens);
  }

  /** Bytes of a content body were written. */
  wrote(route: RouteName, bytes: number): void {
    this.#bodyBytes += bytes;
    this.#bytes.inc({ route }, bytes);
  }

  /** A request ended, answered or not; `host` as given to arrived(). */
  finished(route: RouteName, host: string | undefined): void {
    if (OBSERVABILITY_ROUTES.has(route)) return;
    this.#inFlight--;
    const entry = this.#hosts.get(hostKey(host));
    if (entry !== undefined) entry.inFlight--;
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
      // fromEntries defines own properties: a `Host: __proto__` stays a key, not a prototype.
      byHost: Object.fromEntries(
        Array.from(this.#hosts, ([host, { requests, inFlight, peakInFlight, arrivals }]) => [
          host,
          { requests, inFlight, peakInFlight, peakPerSecond: arrivals.peak },
        ]),
      ),
      embeddings: this.#embeddings.snapshot(),
    };
  }

  /**
   * Zeroes the counters and forgets per-URL attempts (so `failFirst` starts over) and idle hosts. In-flight
   * requests stay counted, so a host's peak in flight starts from what it has in flight; its rate window
   * starts empty, so arrivals before the reset never add to a peak after it.
   */
  reset(): void {
    this.#requests = {};
    this.#byStatus = {};
    this.#byFault = {};
    this.#responses = {};
    this.#total = 0;
    this.#bodyBytes = 0;
    this.#attempts.clear();
    this.#embeddings.reset();
    for (const [host, entry] of this.#hosts) {
      if (entry.inFlight === 0) {
        this.#hosts.delete(host);
        continue;
      }
      entry.requests = 0;
      entry.peakInFlight = entry.inFlight;
      entry.arrivals.clear();
    }
  }

  /** The host's entry, now the most recently seen; a new one may push out the least recently seen idle host. */
  #hostArrived(host: string): HostEntry {
    let entry = this.#hosts.get(host);
    if (entry !== undefined) {
      this.#hosts.delete(host);
    } else {
      entry = { requests: 0, inFlight: 0, peakInFlight: 0, arrivals: new SlidingPeak(RATE_WINDOW_MS) };
      if (this.#hosts.size >= this.#maxTrackedHosts) {
        for (const [old, oldEntry] of this.#hosts) {
          if (oldEntry.inFlight > 0) continue;
          this.#hosts.delete(old);
          break;
        }
      }
    }
    this.#hosts.set(host, entry);
    return entry;
  }

  #count(route: RouteName, status: string, fault: FaultLabel): void {
    this.#child(route, status, fault).inc();
    if (OBSERVABILITY_ROUTES.has(route)) return;
    bump(this.#byStatus, status);
    if (EMBEDDING_ROUTES.has(route)) this.#embeddings.answered(status);
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
