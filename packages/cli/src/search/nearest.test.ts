import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosine, TopK } from './nearest.ts';

describe('cosine', () => {
  it('is 1 for the same direction, -1 for the opposite, 0 for orthogonal or zero vectors', () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1);
    expect(cosine([1, 0], [-3, 0])).toBeCloseTo(-1);
    expect(cosine([1, 0], [0, 5])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });

  it('names the mismatch of dimensions', () => {
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow('vectors of 2 and 3 dimensions');
  });
});

describe('TopK', () => {
  it('keeps the k best of any stream, best first, as a full sort would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1, max: 1 })),
        fc.integer({ min: 1, max: 8 }),
        (scores, k) => {
          const top = new TopK<{ score: number; at: number }>(k);
          for (const [at, score] of scores.entries()) top.offer({ score, at });
          const sorted = scores
            .map((score, at) => ({ score, at }))
            .sort((a, b) => b.score - a.score || a.at - b.at)
            .slice(0, k);
          expect(top.items.map((item) => item.score)).toEqual(sorted.map((item) => item.score));
        },
      ),
    );
  });

  it('refuses a k that is not a positive integer', () => {
    expect(() => new TopK(0)).toThrow('k must be an integer ≥ 1, got 0');
  });
});
