import { InvalidTransformResultError, UnsupportedContentTypeError } from '@tributary/transform';
import { describe, expect, it } from 'vitest';
import { TransformFailedError } from './errors.ts';
import { deserializeError, serializeError } from './thread-protocol.ts';

const roundTrip = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

describe('errors across the thread boundary', () => {
  it('keep class name, message, reason and retryability of the package’s errors', () => {
    const error = roundTrip(new UnsupportedContentTypeError('image/png'));
    expect(error).toBeInstanceOf(TransformFailedError);
    expect(error).toMatchObject({
      name: 'UnsupportedContentTypeError',
      reason: 'unsupported-content-type',
      retryable: false,
    });
    expect(error.message).toContain('"image/png"');
    expect(roundTrip(new InvalidTransformResultError('bad'))).toMatchObject({
      reason: 'invalid-transform-result',
      retryable: false,
    });
  });

  it.each([
    {
      name: 'a plain error is retryable, reason transform-error',
      error: new Error('boom'),
      reason: 'transform-error',
      retryable: true,
    },
    {
      name: 'a plugin’s own reason and retryability are kept',
      error: Object.assign(new Error('nope'), { reason: 'schema-drift', retryable: false }),
      reason: 'schema-drift',
      retryable: false,
    },
    {
      name: 'a reason that is no short kebab-case code becomes transform-error (it is a metrics label)',
      error: Object.assign(new Error('x'), { reason: 'Failed for https://example.com/a?id=1' }),
      reason: 'transform-error',
      retryable: true,
    },
    {
      name: 'a thrown string becomes an error with that message',
      error: 'just a string',
      reason: 'transform-error',
      retryable: true,
    },
    {
      name: 'a plugin’s retryAfterMs is kept, so its next attempt waits at least that long',
      error: Object.assign(new Error('rate limited'), { reason: 'upstream-busy', retryAfterMs: 30_000 }),
      reason: 'upstream-busy',
      retryable: true,
      retryAfterMs: 30_000,
    },
    {
      name: 'a retryAfterMs that is no finite, non-negative number is dropped',
      error: Object.assign(new Error('odd'), { retryAfterMs: Number.POSITIVE_INFINITY }),
      reason: 'transform-error',
      retryable: true,
    },
  ])('$name', ({ error, reason, retryable, retryAfterMs }) => {
    const result = roundTrip(error);
    expect(result.reason).toBe(reason);
    expect(result.retryable).toBe(retryable);
    expect(result.retryAfterMs).toBe(retryAfterMs);
    expect(result.message).toBe(error instanceof Error ? error.message : String(error));
  });
});
