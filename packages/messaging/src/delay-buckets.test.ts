import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELAY_BUCKETS_MS, selectBucket, selectBucketNotAfter } from './delay-buckets.ts';

describe('selectBucket', () => {
  it.each([
    [0, 1_000],
    [1, 1_000],
    [1_000, 1_000],
    [1_001, 5_000],
    [29_999, 30_000],
    [120_000, 120_000],
    [3_600_000, 600_000],
  ])('sends a wanted delay of %i ms to the %i ms bucket', (wanted, bucket) => {
    expect(selectBucket(wanted, DEFAULT_DELAY_BUCKETS_MS)).toBe(bucket);
  });

  it('never comes back sooner than asked unless the delay exceeds every bucket', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 20_000_000 }),
        (buckets, wanted) => {
          const chosen = selectBucket(wanted, buckets);
          expect(buckets).toContain(chosen);
          const longest = Math.max(...buckets);
          if (wanted <= longest) {
            expect(chosen).toBeGreaterThanOrEqual(wanted);
            // and it is the smallest such bucket
            expect(buckets.filter((b) => b >= wanted && b < chosen)).toEqual([]);
          } else {
            expect(chosen).toBe(longest);
          }
        },
      ),
    );
  });

  it('refuses an empty bucket list', () => {
    expect(() => selectBucket(10, [])).toThrow(/at least one delay bucket/);
  });
});

describe('selectBucketNotAfter', () => {
  it.each([
    [0, 1_000],
    [1_000, 1_000],
    [4_999, 1_000],
    [5_000, 5_000],
    [29_999, 5_000],
    [3_600_000, 600_000],
  ])('sends an estimated wait of %i ms to the %i ms bucket', (wanted, bucket) => {
    expect(selectBucketNotAfter(wanted, DEFAULT_DELAY_BUCKETS_MS)).toBe(bucket);
  });

  it('never comes back later than asked unless the delay is below every bucket', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 20_000_000 }),
        (buckets, wanted) => {
          const chosen = selectBucketNotAfter(wanted, buckets);
          expect(buckets).toContain(chosen);
          const shortest = Math.min(...buckets);
          if (wanted >= shortest) {
            expect(chosen).toBeLessThanOrEqual(wanted);
            expect(buckets.filter((b) => b <= wanted && b > chosen)).toEqual([]);
          } else {
            expect(chosen).toBe(shortest);
          }
        },
      ),
    );
  });
});
