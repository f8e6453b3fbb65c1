/** What a handler decided about one message. */
export type Outcome =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; reason: string; message?: string }
  | { kind: 'dead'; reason: string; message: string }
  /** Put off without spending an attempt: the failure was not the message's (an open circuit, a paused host). */
  | {
      kind: 'defer';
      delayMs: number;
      reason: string;
      /**
       * The delay is an estimate of when the message's turn comes (a busy host): it may come back sooner, never
       * later. Without it, a deferral never comes back sooner than `delayMs` (an open circuit's reset).
       */
      notLater?: boolean;
    }
  /**
   * Handed back to the head of the queue it came from, at once: for a consumer of a queue that is no stage's
   * input (the batch records' copy of dead letters), which has no delay queues to go through, when it stops.
   */
  | { kind: 'requeue' };

export const outcome = {
  done: (): Outcome => ({ kind: 'done' }),
  retry: (reason: string, delayMs: number, message?: string): Outcome =>
    message === undefined ? { kind: 'retry', reason, delayMs } : { kind: 'retry', reason, delayMs, message },
  dead: (reason: string, message: string): Outcome => ({ kind: 'dead', reason, message }),
  defer: (reason: string, delayMs: number): Outcome => ({ kind: 'defer', reason, delayMs }),
  /** Put off until about `delayMs` from now, no later: see `notLater`. */
  deferUntilTurn: (reason: string, delayMs: number): Outcome => ({
    kind: 'defer',
    reason,
    delayMs,
    notLater: true,
  }),
  requeue: (): Outcome => ({ kind: 'requeue' }),
};
