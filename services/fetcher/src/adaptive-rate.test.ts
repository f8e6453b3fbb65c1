import { describe, expect, it } from 'vitest';
import { AdaptiveRate } from './adaptive-rate.ts';

describe('AdaptiveRate', () => {
  it('stays at the configured rate until the host asks to slow down', () => {
    const rate = new AdaptiveRate({ configured: 20 });
    expect(rate.current(0)).toBe(20);
    expect(rate.isLowered(10_000)).toBe(false);
  });

  it('multiplies the rate down on a 429 and adds it back linearly, up to the configured rate', () => {
    const rate = new AdaptiveRate({ configured: 20, decrease: 0.5, recoveryPerSecond: 0.1 });
    expect(rate.slowDown(1_000, 20)).toBe(true);
    expect(rate.current(1_000)).toBe(10);
    // 10 % of 20 a second: 2 per second back.
    expect(rate.current(3_000)).toBeCloseTo(14);
    expect(rate.isLowered(3_000)).toBe(true);
    expect(rate.current(6_000)).toBe(20);
    expect(rate.isLowered(6_000)).toBe(false);
  });

  it('within a second, deepens the decrease to what the share of answers says, never compounding it', () => {
    const rate = new AdaptiveRate({ configured: 20, decrease: 0.5, recoveryPerSecond: 0.1 });
    expect(rate.slowDown(0, 20, 0.1)).toBe(true);
    expect(rate.current(0)).toBeCloseTo(18);
    expect(rate.slowDown(500, 20, 0.4)).toBe(true);
    expect(rate.current(500)).toBeCloseTo(12);
    expect(rate.slowDown(600, 20, 1)).toBe(true);
    expect(rate.current(600)).toBeCloseTo(10);
    // A smaller share later in the same second asks for less than is already done.
    expect(rate.slowDown(700, 20, 0.1)).toBe(false);
    // A new second: from where it had recovered to (10 + 2 × 0.4), halved.
    expect(rate.slowDown(1_000, 20, 1)).toBe(true);
    expect(rate.current(1_000)).toBeCloseTo(5.4);
    // It climbs back to the configured rate, not beyond.
    expect(rate.current(100_000)).toBe(20);
  });

  it('never goes below its floor', () => {
    const rate = new AdaptiveRate({ configured: 1, decrease: 0.1, floor: 0.2 });
    for (let t = 0; t < 10_000; t += 1_000) rate.slowDown(t, 1);
    expect(rate.current(9_000)).toBeGreaterThanOrEqual(0.2);
  });

  it('slows an unlimited host from the rate it was getting, and lifts the limit once it has climbed back there', () => {
    const rate = new AdaptiveRate({ configured: 0, decrease: 0.5, recoveryPerSecond: 0.25 });
    expect(rate.current(0)).toBe(Number.POSITIVE_INFINITY);
    rate.slowDown(0, 200);
    expect(rate.current(0)).toBe(100);
    expect(rate.current(1_000)).toBeCloseTo(150);
    expect(rate.current(2_000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('decreases by the share of answers that asked to slow down, by the full step at most', () => {
    const rate = new AdaptiveRate({ configured: 100, decrease: 0.7 });
    rate.slowDown(0, 100, 0.01);
    expect(rate.current(0)).toBeCloseTo(99);
    rate.slowDown(1_000, 100, 0.9);
    // From where it had recovered to (99 + 20), capped at 100, by the full step.
    expect(rate.current(1_000)).toBeCloseTo(70);
  });
});
