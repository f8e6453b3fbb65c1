import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from './errors.ts';
import { defaultFaults, delayFor, type Faults, NO_FAULTS, parseFaults, retryAfterHeader } from './faults.ts';

const parse = (query: string, defaults = NO_FAULTS) => parseFaults(new URLSearchParams(query), defaults);

describe('parseFaults', () => {
  it('gives the defaults alone for a request without fault parameters', () => {
    const defaults = { latencyMs: 300, jitterMs: 50, errorRate: 0.1, failStatus: 503 };
    expect(parse('', defaults)).toEqual(defaultFaults(defaults));
    expect(parse('nonce=abc&version=2', defaults)).toEqual(defaultFaults(defaults));
  });

  it('lets query parameters override the defaults', () => {
    const defaults = { latencyMs: 300, jitterMs: 50, errorRate: 0.1, failStatus: 503 };
    expect(parse('latency=0&jitter=0&fail=0&failStatus=500', defaults)).toMatchObject({
      latencyMs: 0,
      jitterMs: 0,
      errorRate: 0,
      failStatus: 500,
    });
  });

  const cases: [query: string, expected: Partial<Faults>][] = [
    ['latency=250&jitter=40', { latencyMs: 250, jitterMs: 40 }],
    ['fail=0.2', { errorRate: 0.2 }],
    ['fail=always', { errorRate: 1 }],
    ['fail=never', { errorRate: 0 }],
    ['fail=1&failStatus=503', { errorRate: 1, failStatus: 503 }],
    ['failFirst=3', { failFirst: 3 }],
    ['status=404', { status: 404 }],
    ['status=429&retryAfter=2', { status: 429, retryAfterSeconds: 2, retryAfterForm: 'seconds' }],
    ['status=503&retryAfter=5&retryAfterDate=1', { retryAfterSeconds: 5, retryAfterForm: 'date' }],
    ['status=429&retryAfterDate=1', { retryAfterSeconds: 1, retryAfterForm: 'date' }],
    ['hang=1', { hang: true }],
    ['hang', { hang: true }],
    ['hang=false', { hang: false }],
    ['drip=100', { dripMs: 100, dripBytes: undefined }],
    ['drip=100&dripBytes=64', { dripMs: 100, dripBytes: 64 }],
    ['truncate=1', { truncate: 'length' }],
    ['truncate=true', { truncate: 'length' }],
    ['truncate=chunked', { truncate: 'chunked' }],
    ['truncate=0', { truncate: 'none' }],
    ['corrupt=1', { corrupt: true }],
    ['size=10000000', { sizeBytes: 10_000_000 }],
    ['redirect=http%3A%2F%2F127.0.0.1%3A9%2Fx', { redirectLocation: 'http://127.0.0.1:9/x' }],
    ['redirect=%2Frecords%2F2', { redirectLocation: '/records/2' }],
    ['redirectTo=private', { redirectLocation: 'http://10.0.0.1/' }],
    ['redirectTo=loopback', { redirectLocation: 'http://127.0.0.1/' }],
    ['redirectTo=metadata', { redirectLocation: 'http://169.254.169.254/latest/meta-data/' }],
    ['redirects=4', { redirects: 4 }],
  ];
  it.each(cases)('reads %s', (query, expected) => {
    expect(parse(query)).toMatchObject(expected);
  });

  const invalid: [query: string, parameter: string][] = [
    ['latency=abc', 'latency'],
    ['latency=-1', 'latency'],
    ['latency=1.5', 'latency'],
    ['jitter=9999999', 'jitter'],
    ['fail=2', 'fail'],
    ['fail=sometimes', 'fail'],
    ['failStatus=200', 'failStatus'],
    ['status=99', 'status'],
    ['status=600', 'status'],
    ['retryAfter=-3', 'retryAfter'],
    ['hang=maybe', 'hang'],
    ['truncate=half', 'truncate'],
    ['size=10', 'size'],
    ['redirect=ftp%3A%2F%2Fexample', 'redirect'],
    ['redirect=%2F%2Fevil', 'redirect'],
    ['redirectTo=mars', 'redirectTo'],
    ['redirects=51', 'redirects'],
  ];
  it.each(invalid)('rejects %s, naming %s', (query, parameter) => {
    let error: unknown;
    try {
      parse(query);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).parameter).toBe(parameter);
    expect((error as Error).message).toMatch(new RegExp(`^${parameter} must be .+, got "`));
  });
});

describe('delayFor', () => {
  it('adds uniform jitter up to jitterMs to the latency', () => {
    const faults = parse('latency=100&jitter=50');
    expect(delayFor(faults, () => 0)).toBe(100);
    expect(delayFor(faults, () => 0.999_999)).toBe(150);
    expect(delayFor(parse('latency=100'), () => 0.5)).toBe(100);
  });
});

describe('retryAfterHeader', () => {
  it('gives seconds, or an HTTP-date rounded up so a client never retries too soon', () => {
    const now = Date.parse('2025-03-01T12:00:00.400Z');
    expect(retryAfterHeader(parse('retryAfter=2'), now)).toBe('2');
    expect(retryAfterHeader(parse('retryAfter=2&retryAfterDate=1'), now)).toBe(
      'Sat, 01 Mar 2025 12:00:03 GMT',
    );
    expect(retryAfterHeader(parse(''), now)).toBeUndefined();
  });
});
