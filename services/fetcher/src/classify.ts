import { type BackoffPolicy, backoffDelayMs } from '@tributary/messaging';

/**
 * What one fetch attempt means for its job (docs/architecture.md §5.2), as data: a response status or an
 * error code in, `done | retry(delay, reason) | dead(reason)` out. Pure; the table-driven test in
 * classify.test.ts is the specification.
 */

/** What an attempt ended with: a response (after redirects, body read), or an error and its code. */
export type Observation =
  | { kind: 'response'; status: number; retryAfterMs?: number | undefined }
  | { kind: 'error'; code: string | undefined };

export type RetryReason =
  | 'network-error'
  | 'timeout'
  | 'upstream-5xx'
  | 'upstream-408'
  | 'rate-limited'
  | 'corrupted-response';

export type DeadReason =
  | 'http-4xx'
  | 'http-3xx'
  | 'unexpected-status'
  | 'invalid-url'
  | 'invalid-request'
  | 'blocked-address'
  | 'body-too-large'
  | 'too-many-redirects';

export type Verdict =
  | { kind: 'done' }
  | {
      kind: 'retry';
      reason: RetryReason;
      delayMs: number;
      /** Counts as a failure for the host's circuit breaker (network, timeout, 5xx). */
      breakerFailure: boolean;
      /** The host asked to slow down: its queue pauses this long. */
      hostPauseMs: number | undefined;
    }
  | { kind: 'dead'; reason: DeadReason };

type Rule =
  | { verdict: 'done' }
  | { verdict: 'dead'; reason: DeadReason }
  | {
      verdict: 'retry';
      reason: RetryReason;
      breakerFailure: boolean;
      /** Wait at least what Retry-After says. */
      honoursRetryAfter: boolean;
      /** Pause the host's queue for the wait. */
      pausesHost: boolean;
    };

const retry = (
  reason: RetryReason,
  breakerFailure: boolean,
  extra: { honoursRetryAfter?: boolean; pausesHost?: boolean } = {},
): Rule => ({
  verdict: 'retry',
  reason,
  breakerFailure,
  honoursRetryAfter: extra.honoursRetryAfter ?? false,
  pausesHost: extra.pausesHost ?? false,
});
const dead = (reason: DeadReason): Rule => ({ verdict: 'dead', reason });

const TIMEOUT = retry('timeout', true);
const NETWORK = retry('network-error', true);
const CORRUPTED = retry('corrupted-response', false);

/** Error codes: undici's, the socket layer's and DNS's, and the fetcher's own (errors.ts). */
export const ERROR_RULES: Readonly<Record<string, Rule>> = {
  UND_ERR_CONNECT_TIMEOUT: TIMEOUT,
  UND_ERR_HEADERS_TIMEOUT: TIMEOUT,
  UND_ERR_BODY_TIMEOUT: TIMEOUT,
  ETIMEDOUT: TIMEOUT,
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
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: CORRUPTED,
  'corrupted-response': CORRUPTED,
  'blocked-address': dead('blocked-address'),
  'invalid-url': dead('invalid-url'),
  ERR_INVALID_URL: dead('invalid-url'),
  // undici refused the job's request as given (a forbidden header, a body on a GET): another try cannot help.
  UND_ERR_INVALID_ARG: dead('invalid-request'),
  UND_ERR_NOT_SUPPORTED: dead('invalid-request'),
  'body-too-large': dead('body-too-large'),
  UND_ERR_RES_EXCEEDED_MAX_SIZE: dead('body-too-large'),
  'too-many-redirects': dead('too-many-redirects'),
};

/** An error nobody expected is treated as a network failure: retried, and counted against the host. */
const UNKNOWN_ERROR = NETWORK;

/** Statuses, first match wins. */
export const STATUS_RULES: readonly {
  name: string;
  matches: (status: number, hasRetryAfter: boolean) => boolean;
  rule: Rule;
}[] = [
  { name: '2xx', matches: (s) => s >= 200 && s < 300, rule: { verdict: 'done' } },
  { name: '304', matches: (s) => s === 304, rule: { verdict: 'done' } },
  {
    name: '429',
    matches: (s) => s === 429,
    rule: retry('rate-limited', false, { honoursRetryAfter: true, pausesHost: true }),
  },
  {
    name: '503 with Retry-After',
    matches: (s, ra) => s === 503 && ra,
    rule: retry('rate-limited', true, { honoursRetryAfter: true, pausesHost: true }),
  },
  { name: '408', matches: (s) => s === 408, rule: retry('upstream-408', false) },
  {
    name: '5xx',
    matches: (s) => s >= 500 && s < 600,
    rule: retry('upstream-5xx', true, { honoursRetryAfter: true }),
  },
  { name: 'other 3xx', matches: (s) => s >= 300 && s < 400, rule: dead('http-3xx') },
  { name: 'other 4xx', matches: (s) => s >= 400 && s < 500, rule: dead('http-4xx') },
];

export interface ClassifyOptions {
  /** This attempt, from 1: the backoff grows with it. */
  attempt: number;
  backoff: BackoffPolicy;
  /** [0, 1), for the full jitter. */
  random?: () => number;
}

function ruleFor(observation: Observation): Rule {
  if (observation.kind === 'error') {
    return (observation.code === undefined ? undefined : ERROR_RULES[observation.code]) ?? UNKNOWN_ERROR;
  }
  const hasRetryAfter = observation.retryAfterMs !== undefined;
  const match = STATUS_RULES.find((r) => r.matches(observation.status, hasRetryAfter));
  return match?.rule ?? dead('unexpected-status');
}

export function classify(observation: Observation, options: ClassifyOptions): Verdict {
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
    breakerFailure: rule.breakerFailure,
    hostPauseMs: rule.pausesHost ? (retryAfterMs ?? backoffMs) : undefined,
  };
}

/** `404` → `4xx`: the low-cardinality label of a status in metrics. */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}
