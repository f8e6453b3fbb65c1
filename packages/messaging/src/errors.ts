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

/** The message failed its schema or could not be decoded: it goes to the dead-letter queue at once. */
export class InvalidMessageError extends Error {
  readonly reason = 'invalid-message';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessageError';
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
