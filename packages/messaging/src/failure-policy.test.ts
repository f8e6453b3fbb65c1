import { describe, expect, it } from 'vitest';
import { HandlerError, ShuttingDownError } from './errors.ts';
import { decideAfterFailure } from './failure-policy.ts';

const policy = { maxAttempts: 5, backoff: { baseMs: 1_000, maxMs: 60_000 }, random: () => 0.5 };

describe('decideAfterFailure', () => {
  it.each([
    ['a plain Error', new Error('boom'), { kind: 'retry', reason: 'handler-error', delayMs: 2_000 }],
    ['a string', 'nope', { kind: 'retry', reason: 'handler-error', delayMs: 2_000 }],
    [
      'a retryable HandlerError',
      new HandlerError('upstream-5xx', 'status 503', { retryable: true }),
      { kind: 'retry', reason: 'upstream-5xx', delayMs: 2_000 },
    ],
    [
      'a retryable error with a later Retry-After',
      new HandlerError('rate-limited', '429', { retryable: true, retryAfterMs: 30_000 }),
      { kind: 'retry', reason: 'rate-limited', delayMs: 30_000 },
    ],
    [
      'a non-retryable HandlerError',
      new HandlerError('http-4xx', 'status 404', { retryable: false }),
      { kind: 'dead', reason: 'http-4xx' },
    ],
    [
      'work handed back at shutdown',
      new ShuttingDownError('stopping'),
      { kind: 'defer', reason: 'shutting-down', delayMs: 0 },
    ],
    [
      'any error of the shutting-down reason, even one that says it is not retryable',
      Object.assign(new Error('closed'), { reason: 'shutting-down', retryable: false }),
      { kind: 'defer', reason: 'shutting-down', delayMs: 0 },
    ],
  ])('classifies %s at attempt 3', (_name, err, expected) => {
    // attempt 3, random 0.5: half of min(60s, 1s × 4) = 2s, unless the error's floor says more
    expect(decideAfterFailure(err, 3, policy)).toMatchObject(expected);
  });

  it('keeps the error message for the dead letter', () => {
    const got = decideAfterFailure(
      new HandlerError('invalid-url', 'bad scheme ftp:', { retryable: false }),
      1,
      policy,
    );
    expect(got).toEqual({ kind: 'dead', reason: 'invalid-url', message: 'bad scheme ftp:' });
  });
});
