import { describe, expect, it } from 'vitest';
import { parseFaults } from './faults.ts';
import { planResponse, type ResponsePlan, withParam } from './response-plan.ts';

function plan(query: string, attempt = 1, roll = 0.5): ResponsePlan {
  const url = `/records/1${query ? `?${query}` : ''}`;
  return planResponse({ faults: parseFaults(new URLSearchParams(query)), url, attempt, roll: () => roll });
}

describe('planResponse', () => {
  const cases: [query: string, attempt: number, expected: ResponsePlan][] = [
    ['', 1, { kind: 'content', status: 200, fault: 'none' }],
    ['hang=1&failFirst=3', 1, { kind: 'hang', fault: 'hang' }],
    [
      'redirects=2&x=1',
      1,
      { kind: 'redirect', status: 302, location: '/records/1?redirects=1&x=1', fault: 'redirects' },
    ],
    ['redirects=1&x=1', 1, { kind: 'redirect', status: 302, location: '/records/1?x=1', fault: 'redirects' }],
    [
      'redirectTo=private',
      1,
      { kind: 'redirect', status: 302, location: 'http://10.0.0.1/', fault: 'redirect' },
    ],
    [
      'redirectTo=private&status=307',
      1,
      { kind: 'redirect', status: 307, location: 'http://10.0.0.1/', fault: 'redirect' },
    ],
    ['failFirst=2', 1, { kind: 'error', status: 500, fault: 'fail-first' }],
    ['failFirst=2&failStatus=503', 2, { kind: 'error', status: 503, fault: 'fail-first' }],
    ['failFirst=2', 3, { kind: 'content', status: 200, fault: 'none' }],
    ['failFirst=2&failStatus=429&retryAfter=1', 3, { kind: 'content', status: 200, fault: 'none' }],
    ['status=404', 1, { kind: 'error', status: 404, fault: 'status' }],
    ['status=429&retryAfter=2', 1, { kind: 'error', status: 429, fault: 'status' }],
    ['status=204', 1, { kind: 'empty', status: 204, fault: 'status' }],
    ['status=301&x=1', 1, { kind: 'redirect', status: 301, location: '/records/1?x=1', fault: 'status' }],
    ['status=203', 1, { kind: 'content', status: 203, fault: 'status' }],
    ['status=200', 1, { kind: 'content', status: 200, fault: 'none' }],
    ['retryAfter=2', 1, { kind: 'content', status: 200, fault: 'none' }],
    ['corrupt=1', 1, { kind: 'content', status: 200, fault: 'corrupt' }],
    ['truncate=1&drip=10', 1, { kind: 'content', status: 200, fault: 'truncate' }],
    ['size=1000', 1, { kind: 'content', status: 200, fault: 'size' }],
    ['drip=10', 1, { kind: 'content', status: 200, fault: 'drip' }],
    [
      'redirects=1&failFirst=1',
      1,
      { kind: 'redirect', status: 302, location: '/records/1?failFirst=1', fault: 'redirects' },
    ],
  ];
  it.each(cases)('answers ?%s (attempt %i) as planned', (query, attempt, expected) => {
    expect(plan(query, attempt)).toEqual(expected);
  });

  it('fails at the error rate, by the roll', () => {
    expect(plan('fail=0.2', 1, 0.1)).toEqual({ kind: 'error', status: 500, fault: 'fail' });
    expect(plan('fail=0.2', 1, 0.3)).toEqual({ kind: 'content', status: 200, fault: 'none' });
    expect(plan('fail=always&failStatus=503', 1, 0.999)).toEqual({
      kind: 'error',
      status: 503,
      fault: 'fail',
    });
  });

  it('does not draw a roll when there is no error rate', () => {
    let rolls = 0;
    planResponse({
      faults: parseFaults(new URLSearchParams('')),
      url: '/records/1',
      attempt: 1,
      roll: () => rolls++,
    });
    expect(rolls).toBe(0);
  });
});

describe('withParam', () => {
  it('changes or removes one parameter and keeps the rest', () => {
    expect(withParam('/a?x=1&y=2', 'x', '3')).toBe('/a?x=3&y=2');
    expect(withParam('/a?x=1&y=2', 'x')).toBe('/a?y=2');
    expect(withParam('/a?x=1', 'x')).toBe('/a');
    expect(withParam('/a', 'x', '1')).toBe('/a?x=1');
  });
});
