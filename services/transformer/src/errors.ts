/**
 * The transformer's own errors. Each says why (`reason`, a metrics label and the dead letter's `x-error-reason`)
 * and whether a retry can help (`retryable`), which is how the consumer classifies them.
 */

/** A transform failed in the transform thread; its class, reason and retryability travel here as data. */
export class TransformFailedError extends Error {
  readonly reason: string;
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { name: string; reason: string; retryable: boolean; stack?: string },
  ) {
    super(message);
    this.name = options.name;
    this.reason = options.reason;
    this.retryable = options.retryable;
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

/** The transform runner is closed; the record was not run and goes back to the queue. */
export class TransformRunnerClosedError extends Error {
  readonly reason = 'shutting-down';
  readonly retryable = true;

  constructor() {
    super('the transform runner is closed');
    this.name = 'TransformRunnerClosedError';
  }
}
