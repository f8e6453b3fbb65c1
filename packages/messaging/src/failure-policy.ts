import { type BackoffPolicy, backoffDelayMs } from '@tributary/core';
import { ShuttingDownError } from './errors.ts';
import type { Outcome } from './outcome.ts';

export interface FailurePolicy {
  /** Attempts at this stage before a retryable failure becomes a dead letter. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Deferrals (outcomes that do not spend an attempt) before the message is dead-lettered anyway. */
  maxDeferrals?: number;
  random?: () => number;
}

interface Classified {
  reason?: unknown;
  retryable?: unknown;
  retryAfterMs?: unknown;
}

/**
 * What a thrown error means: work handed back because the stage is stopping (`reason: 'shutting-down'`) is
 * deferred without spending an attempt; an error that says it is not retryable is dead at once; anything else is retried
 * with exponential backoff and full jitter (at least its `retryAfterMs`) until the attempts run out. The
 * consumer turns a retry on the last attempt into a dead letter.
 */
export function decideAfterFailure(err: unknown, attempt: number, policy: FailurePolicy): Outcome {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Classified;
  const reason = typeof e.reason === 'string' && e.reason.length > 0 ? e.reason : 'handler-error';
  const message = err instanceof Error ? err.message : String(err);
  const floorMs = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : 0;
  if (reason === ShuttingDownError.REASON) return { kind: 'defer', reason, delayMs: floorMs };
  if (e.retryable === false) return { kind: 'dead', reason, message };
  const delayMs = Math.max(floorMs, backoffDelayMs(attempt, policy.backoff, policy.random));
  return { kind: 'retry', reason, delayMs, message };
}
