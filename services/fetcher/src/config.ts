import { type ConfigOf, type ConfigRule, loadConfig, notBelow, setting } from '@tributary/core';

/** The fetcher's environment variables (docs/architecture.md §7); the README's table lists them. */
export const fetcherSettings = {
  concurrency: setting.int('FETCH_CONCURRENCY', {
    default: 200,
    min: 1,
    max: 10_000,
    description: 'requests in flight at once, across all hosts',
  }),
  prefetch: setting.int('FETCH_PREFETCH', {
    default: 0,
    min: 0,
    max: 10_000,
    description:
      'unacked jobs the broker may push at once; 0 means twice FETCH_CONCURRENCY, so a freed request slot finds a job waiting instead of waiting for the broker',
  }),
  perHostConcurrency: setting.int('FETCH_PER_HOST_CONCURRENCY', {
    default: 16,
    min: 1,
    max: 10_000,
    description:
      'requests in flight at once to one host (host:port), across all fetcher replicas; also the keep-alive pool size per origin',
  }),
  perHostRate: setting.number('FETCH_PER_HOST_RATE', {
    default: 20,
    min: 0,
    max: 1_000_000,
    description:
      'requests started per second to one host, evenly spaced, across all fetcher replicas; a 429 lowers it for a while; 0 means unlimited',
  }),
  holdMaxMs: setting.int('FETCH_HOLD_MAX_MS', {
    default: 5_000,
    min: 0,
    max: 600_000,
    description:
      "longest wait for a host's turn held in the fetcher; a job whose turn is further away waits in a delay queue and comes back about then",
  }),
  replicaPollMs: setting.int('FETCH_REPLICA_POLL_MS', {
    default: 5_000,
    min: 100,
    max: 600_000,
    description:
      "how often the fetcher asks the broker how many fetchers consume jobs, to take its share of each host's limits",
  }),
  connectTimeoutMs: setting.int('FETCH_CONNECT_TIMEOUT_MS', {
    default: 10_000,
    min: 1,
    max: 600_000,
    description: 'DNS lookup plus TCP (and TLS) connect',
  }),
  headersTimeoutMs: setting.int('FETCH_HEADERS_TIMEOUT_MS', {
    default: 30_000,
    min: 1,
    max: 600_000,
    description: 'from sending the request to the response headers',
  }),
  bodyTimeoutMs: setting.int('FETCH_BODY_TIMEOUT_MS', {
    default: 30_000,
    min: 1,
    max: 600_000,
    description: 'longest silence between two chunks of the body',
  }),
  totalTimeoutMs: setting.int('FETCH_TOTAL_TIMEOUT_MS', {
    default: 120_000,
    min: 1,
    max: 3_600_000,
    description:
      'longest time one request may take in all: every redirect hop, the headers and the whole body (a body that trickles in without ever falling silent for FETCH_BODY_TIMEOUT_MS is cut off here)',
  }),
  maxBodyBytes: setting.int('FETCH_MAX_BODY_BYTES', {
    default: 10 * 1024 * 1024,
    min: 1,
    max: 1024 * 1024 * 1024,
    description: 'bodies above this are not read past it; the job is dead-lettered body-too-large',
  }),
  compressAboveBytes: setting.int('FETCH_COMPRESS_ABOVE_BYTES', {
    default: 64 * 1024,
    min: 0,
    max: 1024 * 1024 * 1024,
    description: 'bodies above this travel gzip-compressed in the RawRecord',
  }),
  maxAttempts: setting.int('FETCH_MAX_ATTEMPTS', {
    default: 5,
    min: 1,
    max: 100,
    description: 'attempts of a job before a retryable failure becomes a dead letter',
  }),
  backoffBaseMs: setting.int('FETCH_BACKOFF_BASE_MS', {
    default: 1_000,
    min: 0,
    max: 3_600_000,
    description: 'exponential backoff: the ceiling of attempt n is base × 2^(n−1), drawn with full jitter',
  }),
  backoffMaxMs: setting.int('FETCH_BACKOFF_MAX_MS', {
    default: 300_000,
    min: 0,
    max: 86_400_000,
    description: 'largest backoff ceiling',
  }),
  maxRedirects: setting.int('FETCH_MAX_REDIRECTS', {
    default: 5,
    min: 0,
    max: 50,
    description: 'redirects followed per request, each hop checked by the SSRF guard',
  }),
  allowHosts: setting.list('FETCH_ALLOW_HOSTS', {
    default: [],
    description: 'hosts (name or name:port) that may resolve to private, loopback or link-local addresses',
  }),
  allowPrivate: setting.bool('FETCH_ALLOW_PRIVATE', {
    default: false,
    description: 'turns the SSRF guard off: any address may be fetched (trusted networks only)',
  }),
  userAgent: setting.string('FETCH_USER_AGENT', {
    default: 'tributary-fetcher/0.1',
    nonEmpty: true,
    description: 'User-Agent sent upstream (a job may set its own)',
  }),
  breakerErrorPercent: setting.int('FETCH_BREAKER_ERROR_PERCENT', {
    default: 50,
    min: 1,
    max: 100,
    description:
      "share of failing requests in the window that opens a host's breaker (unreachable, timeouts, and 5xx to a URL's first attempt)",
  }),
  breakerVolume: setting.int('FETCH_BREAKER_VOLUME', {
    default: 10,
    min: 1,
    max: 1_000_000,
    description:
      'judged requests to a host within the window, across all fetcher replicas, before its breaker may open',
  }),
  breakerProbes: setting.int('FETCH_BREAKER_PROBES', {
    default: 3,
    min: 1,
    max: 1_000,
    description: 'requests let through at once to a host whose breaker is half-open',
  }),
  breakerResetMs: setting.int('FETCH_BREAKER_RESET_MS', {
    default: 30_000,
    min: 10,
    max: 3_600_000,
    description: 'time a breaker stays open before half-open probes',
  }),
  breakerWindowMs: setting.int('FETCH_BREAKER_WINDOW_MS', {
    default: 10_000,
    min: 100,
    max: 3_600_000,
    description: 'rolling window over which a breaker counts failures',
  }),
  robots: setting.oneOf('FETCH_ROBOTS', ['found', 'all', 'off'], {
    default: 'found',
    description:
      'whose URLs robots.txt is checked for: jobs found by discovery (found), every job (all), or none (off); a disallowed URL is dead-lettered robots-disallowed unfetched',
  }),
  robotsTtlMs: setting.int('FETCH_ROBOTS_TTL_MS', {
    default: 3_600_000,
    min: 1_000,
    max: 7 * 86_400_000,
    description: "how long a host's robots.txt is kept before it is fetched again (per fetcher replica)",
  }),
  discoveryMaxPages: setting.int('FETCH_DISCOVERY_MAX_PAGES', {
    default: 10_000,
    min: 1,
    max: 10_000_000,
    description: "jobs one discovery root may find, when the job's discover.maxPages says nothing",
  }),
  maxHosts: setting.int('FETCH_MAX_HOSTS', {
    default: 1_000,
    min: 1,
    max: 1_000_000,
    description: 'hosts whose breaker and limits are kept; the least recently used beyond it are forgotten',
  }),
};

export type FetcherOptions = ConfigOf<typeof fetcherSettings>;

/** What no single variable can check, checked with the variables before the service starts anything. */
export const fetcherRules: readonly ConfigRule<FetcherOptions>[] = [
  notBelow(fetcherSettings, 'backoffMaxMs', 'backoffBaseMs'),
];

/** The defaults of every option, from the settings themselves: one place where defaults live. */
export function resolveFetcherOptions(overrides: Partial<FetcherOptions> = {}): FetcherOptions {
  return { ...loadConfig(fetcherSettings, {}), ...overrides };
}

/**
 * The broker prefetch: FETCH_PREFETCH, or twice FETCH_CONCURRENCY when it is 0. A job holds its prefetch slot
 * past its request, while its record is published and confirmed and its ack reaches the broker; with prefetch
 * equal to the concurrency the request slot it freed stays empty meanwhile. The global limit keeps requests
 * at FETCH_CONCURRENCY whatever the prefetch (measured: 10,000 jobs at 300 ms, concurrency 500: 1.2× the ideal
 * time with 2×, 1.3 to 1.4× with 1×).
 */
export function prefetchForConcurrency(options: Pick<FetcherOptions, 'prefetch' | 'concurrency'>): number {
  return options.prefetch > 0 ? options.prefetch : Math.min(2 * options.concurrency, 65_535);
}
