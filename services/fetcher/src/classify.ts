import { type BackoffPolicy, backoffDelayMs } from '@tributary/core';

/**
 * What one fetch attempt means for its job (docs/architecture.md §5.2), as data: a response status, one of the
 * fetcher's own errors or a library's error code in, `done | retry(delay, reason) | dead(reason)` out. Pure;
 * the table-driven test in classify.test.ts is the specification.
 */

/** What an attempt ended with: a response (after redirects, body read), or an error read by its shape. */
export type Observation =
  | { kind: 'response'; status: number; retryAfterMs?: number | undefined }
  /** One of the fetcher's own errors (errors.ts): it says its reason and whether another attempt can help. */
  | { kind: 'failure'; reason: string; retryable: boolean }
  /** Any other error: undici's, the socket layer's or DNS's, by its `code` (undefined when it has none). */
  | { kind: 'error'; code: string | undefined };

export type AttemptVerdict =
  | { kind: 'done' }
  | {
      kind: 'retry';
      reason: string;
      delayMs: number;
      /**
       * Whose failure it is, for the host's circuit breaker: `host` (it cannot be reached, or connecting times
       * out) counts on any attempt, `url` (a 5xx, an answer that times out) only on a URL's first attempt, `none`
       * (a 429, a bad body) never.
       */
      failureOf: FailureOf;
      /** The host asked to slow down (429, 503 with Retry-After): its rate drops. */
      slowsHost: boolean;
    }
  | { kind: 'dead'; reason: string };

export type FailureOf = 'host' | 'url' | 'none';

type Rule =
  | { verdict: 'done' }
  | { verdict: 'dead'; reason: string }
  | {
      verdict: 'retry';
      reason: string;
      failureOf: FailureOf;
      /** Wait at least what Retry-After says. */
      honoursRetryAfter: boolean;
      /** Lower the host's rate. */
      slowsHost: boolean;
    };

const retry = (
  reason: string,
  failureOf: FailureOf,
  extra: { honoursRetryAfter?: boolean; slowsHost?: boolean } = {},
): Rule => ({
  verdict: 'retry',
  reason,
  failureOf,
  honoursRetryAfter: extra.honoursRetryAfter ?? false,
  slowsHost: extra.slowsHost ?? false,
});
const dead = (reason: string): Rule => ({ verdict: 'dead', reason });

/** The host did not let us in: its failure, whatever the URL. */
const CONNECT_TIMEOUT = retry('timeout', 'host');
/** The host let us in but this request's answer did not come: like a 5xx, it may be this URL's trouble. */
const ANSWER_TIMEOUT = retry('timeout', 'url');
const NETWORK = retry('network-error', 'host');

/** Error codes of undici, the socket layer and DNS. */
const ERROR_RULES: Readonly<Record<string, Rule>> = {
  UND_ERR_CONNECT_TIMEOUT: CONNECT_TIMEOUT,
  UND_ERR_HEADERS_TIMEOUT: ANSWER_TIMEOUT,
  UND_ERR_BODY_TIMEOUT: ANSWER_TIMEOUT,
  ETIMEDOUT: CONNECT_TIMEOUT,
  ECONNRESET: NETWORK,
  ECONNREFUSED: NETWORK,
  ECONNABORTED: NETWORK,
  EPIPE: NETWORK,
  EHOSTUNREACH: NETWORK,
  ENETUNREACH: NETWORK,
  EAI_AGAIN: NETWORK,
  ENOTFOUND: NETWORK,
  UND_ERR_SOCKET: NETWORK,
  UND_ERR_CLOSED: NETWORK,
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: retry('corrupted-response', 'none'),
  ERR_INVALID_URL: dead('invalid-url'),
  // undici refused the job's request as given (a forbidden header, a body on a GET): another try cannot help.
  UND_ERR_INVALID_ARG: dead('invalid-request'),
  UND_ERR_NOT_SUPPORTED: dead('invalid-request'),
  UND_ERR_RES_EXCEEDED_MAX_SIZE: dead('body-too-large'),
};

/** An error nobody expected is treated as a network failure: retried, and counted against the host. */
const UNKNOWN_ERROR = NETWORK;

/**
 * The fetcher's own errors say themselves whether another attempt can help. They are about the job or the
 * response (a refused address, a URL, a body), not about the host failing, so none counts for its breaker.
 */
const failureRule = (reason: string, retryable: boolean): Rule =>
  retryable ? retry(reason, 'none') : dead(reason);

/** Statuses, first match wins. */
const STATUS_RULES: readonly {
  name: string;
  matches: (status: number, hasRetryAfter: boolean) => boolean;
  rule: Rule;
}[] = [
  { name: '2xx', matches: (s) => s >= 200 && s < 300, rule: { verdict: 'done' } },
  { name: '304', matches: (s) => s === 304, rule: { verdict: 'done' } },
  {
    name: '429',
    matches: (s) => s === 429,
    rule: retry('rate-limited', 'none', { honoursRetryAfter: true, slowsHost: true }),
  },
  {
    name: '503 with Retry-After',
    matches: (s, ra) => s === 503 && ra,
    rule: retry('rate-limited', 'url', { honoursRetryAfter: true, slowsHost: true }),
  },
  { name: '408', matches: (s) => s === 408, rule: retry('upstream-408', 'none') },
  {
    name: '5xx',
    matches: (s) => s >= 500 && s < 600,
    rule: retry('upstream-5xx', 'url', { honoursRetryAfter: true }),
  },
  { name: 'other 3xx', matches: (s) => s >= 300 && s < 400, rule: dead('http-3xx') },
  // Named apart from the other 4xx: the page is not there, which is what a sweep after a refresh acts on.
  { name: '404', matches: (s) => s === 404, rule: dead('not-found') },
  { name: '410', matches: (s) => s === 410, rule: dead('gone') },
  { name: 'other 4xx', matches: (s) => s >= 400 && s < 500, rule: dead('http-4xx') },
];

export interface ClassifyOptions {
  /** This attempt, from 1: the backoff grows with it. */
  attempt: number;
  backoff: BackoffPolicy;
  /** [0, 1), for the full jitter. */
  random?: () => number;
}

/**
 * An error as the table reads it: one of the fetcher's own by its `reason` and `retryable`, any other by its
 * `code`; when an error says neither, its cause is read.
 */
export function observeError(err: unknown): Observation {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const { reason, retryable, code } = e as { reason?: unknown; retryable?: unknown; code?: unknown };
    if (typeof reason === 'string' && typeof retryable === 'boolean') {
      return { kind: 'failure', reason, retryable };
    }
    if (typeof code === 'string' && code.length > 0) return { kind: 'error', code };
    e = (e as { cause?: unknown }).cause;
  }
  return { kind: 'error', code: undefined };
}

function ruleFor(observation: Observation): Rule {
  switch (observation.kind) {
    case 'failure':
      return failureRule(observation.reason, observation.retryable);
    case 'error':
      return (observation.code === undefined ? undefined : ERROR_RULES[observation.code]) ?? UNKNOWN_ERROR;
    case 'response': {
      const hasRetryAfter = observation.retryAfterMs !== undefined;
      const match = STATUS_RULES.find((r) => r.matches(observation.status, hasRetryAfter));
      return match?.rule ?? dead('unexpected-status');
    }
  }
}

export function classify(observation: Observation, options: ClassifyOptions): AttemptVerdict {
  const rule = ruleFor(observation);
  if (rule.verdict === 'done') return { kind: 'done' };
  if (rule.verdict === 'dead') return { kind: 'dead', reason: rule.reason };
  const backoffMs = backoffDelayMs(options.attempt, options.backoff, options.random);
  const retryAfterMs =
    rule.honoursRetryAfter && observation.kind === 'response' ? observation.retryAfterMs : undefined;
  const delayMs = Math.max(retryAfterMs ?? 0, backoffMs);
  return {
    kind: 'retry',
    reason: rule.reason,
    delayMs,
    failureOf: rule.failureOf,
    slowsHost: rule.slowsHost,
  };
}

/** `404` → `4xx`: the low-cardinality label of a status in metrics. */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}
