import { describe, expect, it } from 'vitest';
import { inCrashLoop, planRestart, type RestartPolicy } from './restart-policy.ts';

const policy: RestartPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, crashLoopRestarts: 3, windowMs: 10_000 };

describe('planRestart', () => {
  it.each([
    { name: 'a first death waits the base delay', previous: [], now: 50_000, delayMs: 100, crashLoop: false },
    {
      name: 'a second death within the window doubles it',
      previous: [45_000],
      now: 50_000,
      delayMs: 200,
      crashLoop: false,
    },
    {
      name: 'the third death within the window is a crash loop',
      previous: [41_000, 45_000],
      now: 50_000,
      delayMs: 400,
      crashLoop: true,
    },
    {
      name: 'the delay stops at the maximum',
      previous: [42_000, 43_000, 44_000, 45_000, 46_000, 47_000],
      now: 50_000,
      delayMs: 1_000,
      crashLoop: true,
    },
    {
      name: 'deaths older than the window are forgotten',
      previous: [10_000, 20_000, 39_999],
      now: 50_000,
      delayMs: 100,
      crashLoop: false,
    },
    {
      name: 'a death exactly one window ago is forgotten',
      previous: [40_000, 45_000],
      now: 50_000,
      delayMs: 200,
      crashLoop: false,
    },
  ])('$name', ({ previous, now, delayMs, crashLoop }) => {
    const plan = planRestart(previous, now, policy);
    expect(plan.delayMs).toBe(delayMs);
    expect(plan.crashLoop).toBe(crashLoop);
    expect(plan.recentExits.at(-1)).toBe(now);
    expect(plan.recentExits.every((at) => now - at < policy.windowMs)).toBe(true);
  });

  it('with a zero base delay replaces at once, however often', () => {
    const plan = planRestart([1, 2, 3], 4, { ...policy, baseDelayMs: 0 });
    expect(plan.delayMs).toBe(0);
  });
});

describe('inCrashLoop', () => {
  it.each([
    { name: 'no deaths', exits: [], now: 50_000, expected: false },
    { name: 'fewer deaths than the threshold', exits: [48_000, 49_000], now: 50_000, expected: false },
    { name: 'enough deaths within the window', exits: [45_000, 48_000, 49_000], now: 50_000, expected: true },
    {
      name: 'the loop ends as deaths leave the window',
      exits: [45_000, 48_000, 49_000],
      now: 55_000,
      expected: false,
    },
  ])('$name → $expected', ({ exits, now, expected }) => {
    expect(inCrashLoop(exits, now, policy)).toBe(expected);
  });
});
