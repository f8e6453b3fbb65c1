import { InvalidParameterError } from './errors.ts';
import { boolParam, intParam, numberParam, oneOfParam } from './query-params.ts';

/**
 * The faults a content request asks for, from its query parameters over the server's defaults (set from the
 * environment). Pure: a URLSearchParams in, a plain object out, an InvalidParameterError for a bad value.
 * Unknown parameters are ignored, so a test can add a cache-buster (`&nonce=abc`) to get a URL of its own.
 */

export interface FaultDefaults {
  latencyMs: number;
  jitterMs: number;
  /** Fraction of requests answered with `failStatus`, 0..1. */
  errorRate: number;
  failStatus: number;
}

export const NO_FAULTS: FaultDefaults = { latencyMs: 0, jitterMs: 0, errorRate: 0, failStatus: 500 };

/** How a truncated body ends: `length` declares the full Content-Length and closes early; `chunked` never sends the last chunk. */
export type Truncation = 'none' | 'length' | 'chunked';

export interface Faults {
  latencyMs: number;
  /** Up to this many milliseconds are added to `latencyMs`, uniformly. */
  jitterMs: number;
  errorRate: number;
  failStatus: number;
  /** The first `failFirst` requests for the exact URL answer `failStatus`; later ones succeed. */
  failFirst: number;
  /** Answer with this status instead of 200. */
  status: number | undefined;
  /** Seconds of Retry-After on injected error answers (failFirst, fail, status ≥ 400); no effect alone. */
  retryAfterSeconds: number | undefined;
  retryAfterForm: 'seconds' | 'date';
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  hang: boolean;
  /** Milliseconds between body chunks; 0 sends the body at once. */
  dripMs: number;
  /** Bytes per dripped chunk; by default a tenth of the body. */
  dripBytes: number | undefined;
  truncate: Truncation;
  /** Declare application/json and send invalid JSON with a 200. */
  corrupt: boolean;
  /** Send a generated body of exactly this many bytes, streamed. */
  sizeBytes: number | undefined;
  /** Answer 302 (or `status` when it is a 3xx) with this Location; nothing is ever fetched from it. */
  redirectLocation: string | undefined;
  /** Redirect this many times to the same URL with one fewer before answering. */
  redirects: number;
}

/** Named Locations for `redirectTo=`: addresses a fetcher's SSRF guard must refuse to follow. */
export const REDIRECT_TARGETS = {
  private: 'http://10.0.0.1/',
  loopback: 'http://127.0.0.1/',
  metadata: 'http://169.254.169.254/latest/meta-data/',
  'ipv6-loopback': 'http://[::1]/',
} as const;

export type RedirectTarget = keyof typeof REDIRECT_TARGETS;

const REDIRECT_TARGET_NAMES = Object.keys(REDIRECT_TARGETS) as [RedirectTarget, ...RedirectTarget[]];

export const FAULT_LIMITS = {
  maxDelayMs: 600_000,
  maxRetryAfterSeconds: 86_400,
  maxRedirects: 50,
  minSizeBytes: 256,
  maxSizeBytes: 64 * 1024 ** 3,
  maxDripBytes: 16 * 1024 ** 2,
  maxFailFirst: 1_000_000,
} as const;

/** The faults of a request without query parameters: the defaults alone. */
export function defaultFaults(defaults: FaultDefaults): Faults {
  return {
    latencyMs: defaults.latencyMs,
    jitterMs: defaults.jitterMs,
    errorRate: defaults.errorRate,
    failStatus: defaults.failStatus,
    failFirst: 0,
    status: undefined,
    retryAfterSeconds: undefined,
    retryAfterForm: 'seconds',
    hang: false,
    dripMs: 0,
    dripBytes: undefined,
    truncate: 'none',
    corrupt: false,
    sizeBytes: undefined,
    redirectLocation: undefined,
    redirects: 0,
  };
}

function errorRate(query: URLSearchParams): number | undefined {
  const raw = query.get('fail');
  if (raw === 'always') return 1;
  if (raw === 'never') return 0;
  try {
    return numberParam(query, 'fail', { min: 0, max: 1 });
  } catch {
    throw new InvalidParameterError('fail', 'a number 0..1, always or never', raw ?? '');
  }
}

function truncation(query: URLSearchParams): Truncation | undefined {
  const raw = query.get('truncate');
  if (raw === null) return undefined;
  if (raw === 'chunked') return 'chunked';
  if (raw === 'length') return 'length';
  try {
    return boolParam(query, 'truncate') ? 'length' : 'none';
  } catch {
    throw new InvalidParameterError('truncate', '1, 0, length or chunked', raw);
  }
}

function redirectLocation(query: URLSearchParams): string | undefined {
  const target = oneOfParam(query, 'redirectTo', REDIRECT_TARGET_NAMES);
  const raw = query.get('redirect');
  if (raw === null) return target === undefined ? undefined : REDIRECT_TARGETS[target];
  if (raw.startsWith('/') && !raw.startsWith('//')) return raw;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
  } catch {
    // Reported below.
  }
  throw new InvalidParameterError('redirect', 'an absolute http(s) URL or a path starting with /', raw);
}

export function parseFaults(query: URLSearchParams, defaults: FaultDefaults = NO_FAULTS): Faults {
  const delay = { min: 0, max: FAULT_LIMITS.maxDelayMs };
  const retryAfter = intParam(query, 'retryAfter', { min: 0, max: FAULT_LIMITS.maxRetryAfterSeconds });
  const retryAfterDate = boolParam(query, 'retryAfterDate') ?? false;
  return {
    latencyMs: intParam(query, 'latency', delay) ?? defaults.latencyMs,
    jitterMs: intParam(query, 'jitter', delay) ?? defaults.jitterMs,
    errorRate: errorRate(query) ?? defaults.errorRate,
    failStatus: intParam(query, 'failStatus', { min: 400, max: 599 }) ?? defaults.failStatus,
    failFirst: intParam(query, 'failFirst', { min: 0, max: FAULT_LIMITS.maxFailFirst }) ?? 0,
    status: intParam(query, 'status', { min: 200, max: 599 }),
    // `retryAfterDate=1` alone asks for a one-second wait in the HTTP-date form.
    retryAfterSeconds: retryAfter ?? (retryAfterDate ? 1 : undefined),
    retryAfterForm: retryAfterDate ? 'date' : 'seconds',
    hang: boolParam(query, 'hang') ?? false,
    dripMs: intParam(query, 'drip', delay) ?? 0,
    dripBytes: intParam(query, 'dripBytes', { min: 1, max: FAULT_LIMITS.maxDripBytes }),
    truncate: truncation(query) ?? 'none',
    corrupt: boolParam(query, 'corrupt') ?? false,
    sizeBytes: intParam(query, 'size', { min: FAULT_LIMITS.minSizeBytes, max: FAULT_LIMITS.maxSizeBytes }),
    redirectLocation: redirectLocation(query),
    redirects: intParam(query, 'redirects', { min: 0, max: FAULT_LIMITS.maxRedirects }) ?? 0,
  };
}

/** The wait before answering: latency plus uniform jitter. `random` returns [0, 1). */
export function delayFor(faults: Faults, random: () => number): number {
  return faults.jitterMs > 0
    ? faults.latencyMs + Math.floor(random() * (faults.jitterMs + 1))
    : faults.latencyMs;
}

/**
 * The Retry-After header value. The HTTP-date form has whole-second precision, so it is rounded up: a client
 * that honours it never retries sooner than `retryAfterSeconds`.
 */
export function retryAfterHeader(faults: Faults, nowMs: number): string | undefined {
  const seconds = faults.retryAfterSeconds;
  if (seconds === undefined) return undefined;
  if (faults.retryAfterForm === 'seconds') return String(seconds);
  return new Date(Math.ceil((nowMs + seconds * 1000) / 1000) * 1000).toUTCString();
}
