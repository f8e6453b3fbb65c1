/** When the primary replaces a worker that died, and when it calls a run of deaths a crash loop. */
export interface RestartPolicy {
  /** Delay before replacing a worker that died once in the window. */
  readonly baseDelayMs: number;
  /** Longest delay; each further recent death doubles it up to this. */
  readonly maxDelayMs: number;
  /** Deaths of one worker within `windowMs` that make a crash loop. */
  readonly crashLoopRestarts: number;
  readonly windowMs: number;
}

export interface RestartPlan {
  /** Times (ms) of this worker's deaths within the window, the new one last; keep them for the next plan. */
  readonly recentExits: readonly number[];
  /** How long to wait before forking the replacement. */
  readonly delayMs: number;
  /** Whether the worker is in a crash loop now: log loudly, fail readiness. */
  readonly crashLoop: boolean;
}

/**
 * The plan after a worker died at `nowMs`, given the times of its earlier deaths: deaths older than the window
 * are forgotten; with k deaths in the window (this one included) the replacement waits
 * `min(maxDelayMs, baseDelayMs × 2^(k−1))`, and k ≥ `crashLoopRestarts` is a crash loop.
 */
export function planRestart(
  previousExits: readonly number[],
  nowMs: number,
  policy: RestartPolicy,
): RestartPlan {
  const recentExits = [...withinWindow(previousExits, nowMs, policy), nowMs];
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (recentExits.length - 1));
  return { recentExits, delayMs, crashLoop: recentExits.length >= policy.crashLoopRestarts };
}

/** Whether a worker with these death times is in a crash loop at `nowMs`; it ends once deaths leave the window. */
export function inCrashLoop(exits: readonly number[], nowMs: number, policy: RestartPolicy): boolean {
  return withinWindow(exits, nowMs, policy).length >= policy.crashLoopRestarts;
}

function withinWindow(exits: readonly number[], nowMs: number, policy: RestartPolicy): number[] {
  return exits.filter((at) => nowMs - at < policy.windowMs);
}
