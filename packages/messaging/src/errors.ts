/**
 * Errors a handler throws say whether another attempt can help (Temporal's `nonRetryable` is the model); the
 * consumer reads `retryable` and `reason`, never the message text.
 */
export class HandlerError extends Error {
  readonly reason: string;
  readonly retryable: boolean;
  /** For retryable errors: the least time to wait before the next attempt. */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: string,
    message: string,
    options: { retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HandlerError';
    this.reason = reason;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The stage is stopping and hands the message back untried: every stage throws this (or an error of the same
 * `reason`) for work it will not start, and the consumer defers the message through a delay queue without
 * spending an attempt.
 */
export class ShuttingDownError extends Error {
  static readonly REASON = 'shutting-down';
  readonly reason = ShuttingDownError.REASON;
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShuttingDownError';
  }
}

/** A publish was abandoned because the publisher is closing; the input stays unacked and is redelivered. */
export class PublisherClosedError extends Error {
  readonly reason = 'publisher-closed';

  constructor() {
    super('publisher is closed');
    this.name = 'PublisherClosedError';
  }
}
