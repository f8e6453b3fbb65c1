/** Exponential backoff: the delay before attempt n grows as base × 2^(n−1), up to a ceiling. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** The shortest delay drawn; 0 (full jitter) unless said otherwise. */
  floorMs?: number;
}

/** The longest delay of attempt `attempt` (1-based): `min(maxMs, baseMs × 2^(attempt−1))`. */
export function backoffCeilingMs(attempt: number, policy: Pick<BackoffPolicy, 'baseMs' | 'maxMs'>): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * A delay drawn uniformly up to the attempt's ceiling (full jitter), so that many parties failing together do
 * not come back together; never below the policy's floor.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return Math.max(policy.floorMs ?? 0, Math.floor(random() * backoffCeilingMs(attempt, policy)));
}
