import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, decideRestart, type RestartPolicy } from './restart-policy.ts';

const policy: RestartPolicy = { maxRestarts: 3, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 3_000 };

describe('decideRestart', () => {
  it.each([
    { previous: [], delayMs: 1_000 },
    { previous: [10_000], delayMs: 2_000 },
    { previous: [10_000, 20_000], delayMs: 3_000 },
  ])(
    'restarts after $delayMs ms with $previous.length earlier deaths in the window',
    ({ previous, delayMs }) => {
      expect(decideRestart(previous, 1, 30_000, policy)).toEqual({
        action: 'restart',
        delayMs,
        recentExits: [...previous, 30_000],
      });
    },
  );

  it('gives up at the death after the last allowed restart within the window', () => {
    expect(decideRestart([1_000, 2_000, 3_000], null, 4_000, policy)).toEqual({
      action: 'give-up',
      why: 'crash-loop',
      recentExits: [1_000, 2_000, 3_000, 4_000],
    });
  });

  it('forgets deaths older than the window', () => {
    expect(decideRestart([1_000, 2_000, 3_000], 1, 62_500, policy)).toEqual({
      action: 'restart',
      delayMs: 2_000,
      recentExits: [3_000, 62_500],
    });
  });

  it('gives up at once on an invalid configuration (exit code 2): a restart cannot mend it', () => {
    expect(decideRestart([], 2, 5_000, policy)).toMatchObject({
      action: 'give-up',
      why: 'invalid-configuration',
    });
  });

  it('treats a death by signal like any other', () => {
    expect(decideRestart([], null, 5_000, DEFAULT_RESTART_POLICY)).toMatchObject({
      action: 'restart',
      delayMs: 1_000,
    });
  });
});
