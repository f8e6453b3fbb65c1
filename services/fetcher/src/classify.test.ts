import { errors as undiciErrors } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  type AttemptVerdict,
  classify,
  type FailureOf,
  type Observation,
  observeError,
  statusClass,
} from './classify.ts';
import {
  BlockedAddressError,
  BodyTooLargeError,
  CorruptedResponseError,
  InvalidUrlError,
  TooManyRedirectsError,
} from './errors.ts';

const backoff = { baseMs: 1_000, maxMs: 60_000 };
/** With random() = 0.5 the full-jitter backoff of attempt n is half its ceiling: 500, 1000, 2000, ... ms. */
const half = () => 0.5;

const response = (status: number, retryAfterMs?: number): Observation => ({
  kind: 'response',
  status,
  retryAfterMs,
});
const error = (code: string | undefined): Observation => ({ kind: 'error', code });
/** One of the fetcher's own errors, as the handler observes it. */
const failure = (err: Error): Observation => observeError(err);
const retry = (reason: string, delayMs: number, failureOf: FailureOf, slowsHost = false): AttemptVerdict => ({
  kind: 'retry',
  reason,
  delayMs,
  failureOf,
  slowsHost,
});
const dead = (reason: string): AttemptVerdict => ({ kind: 'dead', reason });
const done: AttemptVerdict = { kind: 'done' };

// [what, observation, attempt, verdict]
const TABLE: [string, Observation, number, AttemptVerdict][] = [
  ['200', response(200), 1, done],
  ['204', response(204), 1, done],
  ['304 not modified', response(304), 1, done],
  ['500 on attempt 1', response(500), 1, retry('upstream-5xx', 500, 'url')],
  ['502 on attempt 3', response(502), 3, retry('upstream-5xx', 2_000, 'url')],
  ['503 without Retry-After', response(503), 1, retry('upstream-5xx', 500, 'url')],
  ['503 with Retry-After', response(503, 4_000), 1, retry('rate-limited', 4_000, 'url', true)],
  ['500 with a Retry-After beyond the backoff', response(500, 3_000), 1, retry('upstream-5xx', 3_000, 'url')],
  ['408', response(408), 2, retry('upstream-408', 1_000, 'none')],
  ['429 with Retry-After', response(429, 2_000), 1, retry('rate-limited', 2_000, 'none', true)],
  ['429 with Retry-After 0', response(429, 0), 1, retry('rate-limited', 500, 'none', true)],
  [
    '429 with a Retry-After below the backoff',
    response(429, 100),
    4,
    retry('rate-limited', 4_000, 'none', true),
  ],
  ['429 without Retry-After', response(429), 2, retry('rate-limited', 1_000, 'none', true)],
  ['400', response(400), 1, dead('http-4xx')],
  ['401', response(401), 1, dead('http-4xx')],
  ['404', response(404), 1, dead('not-found')],
  ['410', response(410), 1, dead('gone')],
  ['404 ignores Retry-After', response(404, 1_000), 1, dead('not-found')],
  ['a 3xx not followed', response(302), 1, dead('http-3xx')],
  ['300 multiple choices', response(300), 1, dead('http-3xx')],
  ['a status outside 2xx-5xx', response(101), 1, dead('unexpected-status')],
  ['connect timeout', error('UND_ERR_CONNECT_TIMEOUT'), 1, retry('timeout', 500, 'host')],
  ['headers timeout', error('UND_ERR_HEADERS_TIMEOUT'), 2, retry('timeout', 1_000, 'url')],
  ['body timeout', error('UND_ERR_BODY_TIMEOUT'), 1, retry('timeout', 500, 'url')],
  ['ETIMEDOUT', error('ETIMEDOUT'), 1, retry('timeout', 500, 'host')],
  ['connection reset', error('ECONNRESET'), 1, retry('network-error', 500, 'host')],
  ['connection refused', error('ECONNREFUSED'), 1, retry('network-error', 500, 'host')],
  ['socket closed', error('UND_ERR_SOCKET'), 1, retry('network-error', 500, 'host')],
  ['DNS failure', error('ENOTFOUND'), 1, retry('network-error', 500, 'host')],
  ['an unknown error code', error('E_SOMETHING_NEW'), 1, retry('network-error', 500, 'host')],
  ['an error without a code', error(undefined), 1, retry('network-error', 500, 'host')],
  [
    'truncated body',
    failure(new CorruptedResponseError('the body ended early')),
    1,
    retry('corrupted-response', 500, 'none'),
  ],
  [
    'declared JSON that does not parse',
    failure(new CorruptedResponseError('not valid JSON')),
    3,
    retry('corrupted-response', 2_000, 'none'),
  ],
  [
    'content-length mismatch',
    error('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'),
    1,
    retry('corrupted-response', 500, 'none'),
  ],
  [
    'blocked address',
    failure(new BlockedAddressError('a.example:80', '10.0.0.1', 'private')),
    1,
    dead('blocked-address'),
  ],
  ['invalid URL', failure(new InvalidUrlError('ftp://a.example/', 'not http')), 1, dead('invalid-url')],
  ['invalid URL from node', error('ERR_INVALID_URL'), 1, dead('invalid-url')],
  ['body too large', failure(new BodyTooLargeError(100, 200)), 1, dead('body-too-large')],
  ['body above undici maxResponseSize', error('UND_ERR_RES_EXCEEDED_MAX_SIZE'), 1, dead('body-too-large')],
  ['a request undici refuses as given', error('UND_ERR_INVALID_ARG'), 1, dead('invalid-request')],
  ['too many redirects', failure(new TooManyRedirectsError(5)), 1, dead('too-many-redirects')],
  ['backoff capped at maxMs', response(500), 20, retry('upstream-5xx', 30_000, 'url')],
];

describe('classify', () => {
  it.each(TABLE)('%s', (_what, observation, attempt, expected) => {
    expect(classify(observation, { attempt, backoff, random: half })).toEqual(expected);
  });

  it('draws the backoff with full jitter: anywhere from 0 up to the ceiling', () => {
    const low = classify(response(500), { attempt: 3, backoff, random: () => 0 });
    const high = classify(response(500), { attempt: 3, backoff, random: () => 0.999_999 });
    expect(low).toMatchObject({ kind: 'retry', delayMs: 0 });
    expect(high).toMatchObject({ kind: 'retry', delayMs: 3_999 });
  });

  it('never retries sooner than Retry-After, whatever the jitter', () => {
    for (let i = 0; i < 100; i++) {
      const verdict = classify(response(429, 5_000), { attempt: 1 + (i % 5), backoff });
      expect(verdict.kind === 'retry' && verdict.delayMs).toBeGreaterThanOrEqual(5_000);
    }
  });
});

describe('observeError', () => {
  it.each([
    [
      "one of the fetcher's own errors, by its reason",
      new BodyTooLargeError(100),
      { kind: 'failure', reason: 'body-too-large', retryable: false },
    ],
    [
      "undici's error, by its code",
      new undiciErrors.HeadersTimeoutError(),
      { kind: 'error', code: 'UND_ERR_HEADERS_TIMEOUT' },
    ],
    [
      'a socket error',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      { kind: 'error', code: 'ECONNREFUSED' },
    ],
    [
      'a wrapper without a code, by its cause',
      new Error('request failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
      { kind: 'error', code: 'ECONNRESET' },
    ],
    ['an error that says nothing', new Error('something'), { kind: 'error', code: undefined }],
    ['something thrown that is not an error', 'a string', { kind: 'error', code: undefined }],
  ])('reads %s', (_what, err, observation) => {
    expect(observeError(err)).toEqual(observation);
  });
});

describe('statusClass', () => {
  it.each([
    [200, '2xx'],
    [304, '3xx'],
    [404, '4xx'],
    [503, '5xx'],
    [undefined, 'none'],
  ])('%s → %s', (status, label) => {
    expect(statusClass(status)).toBe(label);
  });
});
