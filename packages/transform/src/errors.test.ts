import { describe, expect, it } from 'vitest';
import {
  CorruptBodyError,
  InvalidOptionsError,
  InvalidTransformResultError,
  MalformedContentError,
  TransformError,
  TransformModuleError,
  UnsupportedContentTypeError,
} from './errors.ts';

describe('transform errors', () => {
  it.each([
    [new UnsupportedContentTypeError('image/png'), 'unsupported-content-type', 'UnsupportedContentTypeError'],
    [new MalformedContentError('body is not valid JSON'), 'malformed-content', 'MalformedContentError'],
    [
      new InvalidOptionsError('targetTokens', 'targetTokens must be ...'),
      'invalid-options',
      'InvalidOptionsError',
    ],
    [
      new TransformModuleError('./x.ts', 'TRANSFORM_MODULE="./x.ts": no such file'),
      'invalid-transform-module',
      'TransformModuleError',
    ],
    [
      new InvalidTransformResultError('transform result is invalid'),
      'invalid-transform-result',
      'InvalidTransformResultError',
    ],
    [new CorruptBodyError('the body cannot be unpacked'), 'corrupt-body', 'CorruptBodyError'],
  ])('%s carries its reason and says it is not retryable', (error, reason, name) => {
    expect(error).toBeInstanceOf(TransformError);
    expect(error).toBeInstanceOf(Error);
    expect(error.reason).toBe(reason);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe(name);
    expect(error).not.toHaveProperty('code');
  });

  it('names the content type and keeps the cause', () => {
    expect(new UnsupportedContentTypeError('image/png').message).toContain('"image/png"');
    const cause = new SyntaxError('Unexpected end of JSON input');
    expect(new MalformedContentError('body is not valid JSON', { cause }).cause).toBe(cause);
    expect(new TransformModuleError('./x.ts', 'failed to load', { cause }).cause).toBe(cause);
    expect(new CorruptBodyError('not gzip', { cause }).cause).toBe(cause);
  });
});
