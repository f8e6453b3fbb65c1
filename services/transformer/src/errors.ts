/**
 * The transformer's own errors. Each says why (`reason`, a metrics label and the dead letter's `x-error-reason`)
 * and whether a retry can help (`retryable`, and `retryAfterMs` where the error knows how long to wait), which is
 * how the consumer classifies them. A record handed back untried because the worker is stopping is not one of
 * them: that is messaging's `ShuttingDownError`, which the consumer defers without spending an attempt.
 */

/**
 * A transform failed in the transform thread; its class name, reason, retryability and `retryAfterMs` travel here
 * as data.
 */
export class TransformFailedError extends Error {
  readonly reason: string;
  readonly retryable: boolean;
  /** For retryable errors: the least time to wait before the next attempt, when the thrower said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { name: string; reason: string; retryable: boolean; retryAfterMs?: number; stack?: string },
  ) {
    super(message);
    this.name = options.name;
    this.reason = options.reason;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    if (options.stack !== undefined) this.stack = options.stack;
  }
}

/** A transform ran past TRANSFORM_TIMEOUT_MS; it may finish another time (less load), so it is retried. */
export class TransformTimeoutError extends Error {
  readonly reason = 'transform-timeout';
  readonly retryable = true;

  constructor(timeoutMs: number) {
    super(`the transform did not finish within ${timeoutMs} ms (TRANSFORM_TIMEOUT_MS)`);
    this.name = 'TransformTimeoutError';
  }
}

/** The transform thread died while running a record (an uncaught error, out of memory); retried. */
export class TransformThreadError extends Error {
  readonly reason = 'transform-thread-crashed';
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransformThreadError';
  }
}
