/** The default retry delays: each stage gets one delay queue per bucket. */
export const DEFAULT_DELAY_BUCKETS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * The smallest bucket at least as long as the wanted delay, so a retry never comes back sooner than asked
 * (Retry-After is a floor). A delay longer than every bucket waits in the longest one.
 */
export function selectBucket(wantedDelayMs: number, bucketsMs: readonly number[]): number {
  if (bucketsMs.length === 0) throw new RangeError('at least one delay bucket is required');
  let best: number | undefined;
  let longest = 0;
  for (const bucket of bucketsMs) {
    if (bucket > longest) longest = bucket;
    if (bucket >= wantedDelayMs && (best === undefined || bucket < best)) best = bucket;
  }
  return best ?? longest;
}

/**
 * The longest bucket not above the wanted delay, for a wait that is an estimate (a host's queue ahead of the
 * job): the message comes back no later than its turn and is looked at again then, so a host's capacity is never
 * left unused because its jobs sat in too long a bucket. A delay shorter than every bucket waits in the shortest.
 */
export function selectBucketNotAfter(wantedDelayMs: number, bucketsMs: readonly number[]): number {
  if (bucketsMs.length === 0) throw new RangeError('at least one delay bucket is required');
  let best: number | undefined;
  let shortest = Number.POSITIVE_INFINITY;
  for (const bucket of bucketsMs) {
    if (bucket < shortest) shortest = bucket;
    if (bucket <= wantedDelayMs && (best === undefined || bucket > best)) best = bucket;
  }
  return best ?? shortest;
}
