import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { halves, planRequests } from './request-plan.ts';

const tokenCounts = fc.array(fc.nat({ max: 3_000 }), { maxLength: 200 });
const limits = fc.record({
  maxInputs: fc.integer({ min: 1, max: 50 }),
  maxTokens: fc.integer({ min: 1, max: 8_192 }),
});

function sum(tokens: readonly number[], group: readonly number[]): number {
  return group.reduce((total, index) => total + (tokens[index] ?? 0), 0);
}

describe('planRequests', () => {
  it('packs greedily, in order, within both limits', () => {
    expect(planRequests([100, 200, 300, 400, 50, 50], { maxInputs: 3, maxTokens: 600 })).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(planRequests([1, 1, 1, 1, 1], { maxInputs: 2, maxTokens: 1_000 })).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('gives a chunk over maxTokens a group of its own', () => {
    expect(planRequests([10, 900, 10, 10], { maxInputs: 8, maxTokens: 500 })).toEqual([[0], [1], [2, 3]]);
  });

  it('plans nothing for no chunks', () => {
    expect(planRequests([], { maxInputs: 8, maxTokens: 500 })).toEqual([]);
  });

  it('takes Infinity for no token limit', () => {
    expect(planRequests([1e9, 1e9, 1e9], { maxInputs: 2, maxTokens: Number.POSITIVE_INFINITY })).toEqual([
      [0, 1],
      [2],
    ]);
  });

  it.each([
    [{ maxInputs: 0, maxTokens: 10 }, /maxInputs must be a positive integer, got 0/],
    [{ maxInputs: 1.5, maxTokens: 10 }, /maxInputs/],
    [{ maxInputs: 4, maxTokens: 0 }, /maxTokens must be positive, got 0/],
    [{ maxInputs: 4, maxTokens: Number.NaN }, /maxTokens/],
  ])('refuses limits %j', (bad, message) => {
    expect(() => planRequests([1], bad)).toThrow(message);
  });

  it('refuses a token count that is not a count', () => {
    expect(() => planRequests([1, -1], { maxInputs: 4, maxTokens: 10 })).toThrow(/got -1 at 1/);
    expect(() => planRequests([Number.NaN], { maxInputs: 4, maxTokens: 10 })).toThrow(/got NaN at 0/);
  });

  it('covers every chunk once, in order, in non-empty groups', () => {
    fc.assert(
      fc.property(tokenCounts, limits, (tokens, lim) => {
        const groups = planRequests(tokens, lim);
        expect(groups.flat()).toEqual(tokens.map((_, index) => index));
        for (const group of groups) expect(group.length).toBeGreaterThan(0);
      }),
    );
  });

  it('keeps every group within maxInputs, and within maxTokens unless it is one chunk', () => {
    fc.assert(
      fc.property(tokenCounts, limits, (tokens, lim) => {
        for (const group of planRequests(tokens, lim)) {
          expect(group.length).toBeLessThanOrEqual(lim.maxInputs);
          if (group.length > 1) expect(sum(tokens, group)).toBeLessThanOrEqual(lim.maxTokens);
        }
      }),
    );
  });

  it('closes a group only when the next chunk would not fit: no in-order plan has fewer requests', () => {
    fc.assert(
      fc.property(tokenCounts, limits, (tokens, lim) => {
        const groups = planRequests(tokens, lim);
        for (const [g, group] of groups.slice(0, -1).entries()) {
          const next = groups[g + 1]?.[0] as number;
          const full =
            group.length === lim.maxInputs || sum(tokens, group) + (tokens[next] ?? 0) > lim.maxTokens;
          expect(full).toBe(true);
        }
      }),
    );
  });
});

describe('halves', () => {
  it('splits a group in two, the first half the larger when odd', () => {
    expect(halves([4, 5, 6, 7])).toEqual([
      [4, 5],
      [6, 7],
    ]);
    expect(halves([4, 5, 6])).toEqual([[4, 5], [6]]);
    expect(halves([8, 9])).toEqual([[8], [9]]);
  });

  it('refuses to split a group of one', () => {
    expect(() => halves([3])).toThrow(/a group of 1 cannot be split/);
    expect(() => halves([])).toThrow(/a group of 0/);
  });

  it('keeps every index once, in order, in two non-empty halves that differ by one at most', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 2, maxLength: 300 }), (group) => {
        const [first, second] = halves(group);
        expect([...first, ...second]).toEqual(group);
        expect(second.length).toBeGreaterThan(0);
        expect(first.length - second.length).toBeGreaterThanOrEqual(0);
        expect(first.length - second.length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('splits any group down to single chunks in ceil(log2(n)) rounds at most', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), (n) => {
        let groups = [Array.from({ length: n }, (_, i) => i)];
        let rounds = 0;
        while (groups.some((group) => group.length > 1)) {
          groups = groups.flatMap((group) => (group.length > 1 ? halves(group) : [group]));
          rounds++;
        }
        expect(groups.flat()).toHaveLength(n);
        expect(rounds).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }),
    );
  });
});
