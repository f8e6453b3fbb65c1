import { describe, expect, it } from 'vitest';
import { SlidingPeak } from './sliding-peak.ts';

describe('SlidingPeak', () => {
  it('sums amounts over a sliding window, not over whole-second buckets', () => {
    const peak = new SlidingPeak(1_000);
    // Whole seconds would say 300 and 150; the window (100, 1,100] holds 100 + 200 + 150 = 450.
    for (const [ms, amount] of [
      [400, 100],
      [900, 200],
      [1_100, 150],
      [2_300, 50],
    ] as const) {
      peak.add(ms, amount);
    }
    expect(peak.peak).toBe(450);
  });

  it('puts arrivals exactly one window apart in different windows', () => {
    const peak = new SlidingPeak(1_000);
    expect(peak.add(0)).toBe(1);
    expect(peak.add(1_000)).toBe(1);
    expect(peak.add(1_999)).toBe(2);
    expect(peak.peak).toBe(2);
  });

  it('keeps the sum right when many arrivals leave the window (the deque compacts)', () => {
    const peak = new SlidingPeak(1_000);
    // 10 arrivals of 3 in each whole ms for 3 s: a window holds at most 1,000 ms of them, 30,000.
    let last = 0;
    for (let i = 0; i < 30_000; i++) last = peak.add(Math.floor(i / 10), 3);
    expect(peak.peak).toBe(30_000);
    expect(last).toBe(30_000);
  });

  it('forgets arrivals and the peak on clear()', () => {
    const peak = new SlidingPeak(1_000);
    for (let ms = 0; ms < 10; ms++) peak.add(ms, 5);
    peak.clear();
    expect(peak.peak).toBe(0);
    expect(peak.add(20, 2)).toBe(2);
    expect(peak.peak).toBe(2);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new SlidingPeak(0)).toThrow(RangeError);
  });
});
