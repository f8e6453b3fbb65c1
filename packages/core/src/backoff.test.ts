import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  const policy = { baseMs: 100, maxMs: 10_000 };

  it('grows exponentially at the top of its range and is capped', () => {
    const top = () => 0.999_999;
    expect(backoffDelayMs(1, policy, top)).toBe(99);
    expect(backoffDelayMs(2, policy, top)).toBe(199);
    expect(backoffDelayMs(4, policy, top)).toBe(799);
    expect(backoffDelayMs(30, policy, top)).toBe(9_999);
  });

  it('draws uniformly from zero up to the ceiling (full jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelayMs(attempt, policy, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)));
        },
      ),
    );
  });

  it('never draws below the floor', () => {
    expect(backoffDelayMs(1, { ...policy, floorMs: 50 }, () => 0)).toBe(50);
    expect(backoffDelayMs(3, { ...policy, floorMs: 50 }, () => 0.5)).toBe(200);
  });
});

describe('backoffCeilingMs', () => {
  it('doubles from the base with each attempt up to the maximum', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 40].map((attempt) => backoffCeilingMs(attempt, policy))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
