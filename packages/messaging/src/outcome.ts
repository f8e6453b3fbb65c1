/** What a handler decided about one message. */
export type Outcome =
  | { kind: 'done' }
  | { kind: 'retry'; delayMs: number; reason: string; message?: string }
  | { kind: 'dead'; reason: string; message: string }
  /** Put off without spending an attempt: the failure was not the message's (an open circuit, a paused host). */
  | { kind: 'defer'; delayMs: number; reason: string };

export const outcome = {
  done: (): Outcome => ({ kind: 'done' }),
  retry: (reason: string, delayMs: number, message?: string): Outcome =>
    message === undefined ? { kind: 'retry', reason, delayMs } : { kind: 'retry', reason, delayMs, message },
  dead: (reason: string, message: string): Outcome => ({ kind: 'dead', reason, message }),
  defer: (reason: string, delayMs: number): Outcome => ({ kind: 'defer', reason, delayMs }),
};
