import { backoffCeilingMs } from '@tributary/core';

/** When a process that died on its own is started again, and when the launcher stops trying. */
export interface RestartPolicy {
  /** Restarts of one process within `windowMs`; one more death in the window and the launcher gives up. */
  maxRestarts: number;
  windowMs: number;
  /** Delay before the first restart in the window; each further one doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 3,
  windowMs: 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
};

/**
 * The exit code of every Tributary process whose configuration is invalid (see runService in packages/core).
 */
export const INVALID_CONFIGURATION_EXIT_CODE = 2;

export type RestartDecision =
  | { action: 'restart'; delayMs: number; recentExits: number[] }
  | { action: 'give-up'; why: 'crash-loop' | 'invalid-configuration'; recentExits: number[] };

/**
 * What to do after a process died on its own at `nowMs`, given the times of its earlier deaths: deaths older
 * than the window are forgotten; with k deaths in the window (this one included) it is restarted after
 * `min(maxDelayMs, baseDelayMs × 2^(k−1))` while k ≤ maxRestarts, and given up otherwise. A process that
 * exits with the invalid-configuration code is given up at once: starting it again cannot help.
 */
export function decideRestart(
  previousExits: readonly number[],
  exitCode: number | null,
  nowMs: number,
  policy: RestartPolicy,
): RestartDecision {
  const recentExits = [...previousExits.filter((at) => nowMs - at < policy.windowMs), nowMs];
  if (exitCode === INVALID_CONFIGURATION_EXIT_CODE) {
    return { action: 'give-up', why: 'invalid-configuration', recentExits };
  }
  if (recentExits.length > policy.maxRestarts) return { action: 'give-up', why: 'crash-loop', recentExits };
  const delayMs = backoffCeilingMs(recentExits.length, {
    baseMs: policy.baseDelayMs,
    maxMs: policy.maxDelayMs,
  });
  return { action: 'restart', delayMs, recentExits };
}
