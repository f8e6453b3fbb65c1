import { describe, expect, it } from 'vitest';
import { parseEmbeddingFaults } from './embedding-faults.ts';
import { InvalidParameterError } from './errors.ts';
import { defaultFaults, NO_FAULTS } from './faults.ts';

const parse = (query: string) => parseEmbeddingFaults(new URLSearchParams(query));

describe('parseEmbeddingFaults', () => {
  it('reads the content routes’ fault parameters that fit an API answering JSON', () => {
    expect(
      parse(
        'latency=50&jitter=10&failFirst=3&failStatus=503&retryAfter=2&corrupt=1&drip=20&truncate=chunked',
      ),
    ).toMatchObject({
      latencyMs: 50,
      jitterMs: 10,
      failFirst: 3,
      failStatus: 503,
      retryAfterSeconds: 2,
      corrupt: true,
      dripMs: 20,
      truncate: 'chunked',
    });
    expect(parse('status=429&retryAfter=1')).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(parse('fail=0.5&hang=0')).toMatchObject({ errorRate: 0.5, hang: false });
  });

  it('ignores a cache-buster and api-version, and never applies the content defaults', () => {
    expect(parse('nonce=abc&api-version=2024-02-01')).toEqual(defaultFaults(NO_FAULTS));
  });

  it.each([
    ['latencyMs=50', 'latencyMs'],
    ['failfirst=3', 'failfirst'],
    ['size=1000', 'size'],
    ['redirectTo=private', 'redirectTo'],
    ['version=2', 'version'],
  ])('refuses %s rather than ignore it', (query, parameter) => {
    expect(() => parse(query)).toThrow(InvalidParameterError);
    expect(() => parse(query)).toThrow(
      new RegExp(`^${parameter} must be left out: the embedding routes take latency, `),
    );
  });

  it.each(['status=302', 'status=204'])('refuses %s: nothing an embedding API answers', (query) => {
    expect(() => parse(query)).toThrow(/status must be 200 or 400\.\.599/);
  });

  it('still refuses bad values, as parseFaults does', () => {
    expect(() => parse('failFirst=-1')).toThrow(InvalidParameterError);
  });
});
