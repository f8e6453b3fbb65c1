import { HandlerError } from '@tributary/messaging';

/**
 * The embedder's errors, read by shape the way every stage reads errors, never by their message: `reason`
 * (stable and low-cardinality: the metric label and the dead letter's `x-error-reason`), `retryable` (whether
 * another attempt can help) and, where it applies, `retryAfterMs` (the least wait before trying again). They
 * extend the messaging layer's HandlerError, so the consumer reads them as it reads every stage's. What the
 * endpoint said is kept in `endpointMessage` (shortened, the API key taken out); the API key is never in a message.
 */

export type EmbeddingErrorReason =
  | 'rate-limited'
  | 'embedding-too-large'
  | 'embedding-refused'
  | 'embedding-unavailable'
  | 'circuit-open';

export abstract class EmbeddingError extends HandlerError {
  declare readonly reason: EmbeddingErrorReason;
}

function said(endpointMessage: string | undefined): string {
  return endpointMessage === undefined ? '' : `: ${endpointMessage}`;
}

/** The endpoint asks to slow down: a 429, or a 503 with Retry-After. */
export class EmbeddingRateLimitedError extends EmbeddingError {
  static readonly REASON = 'rate-limited';
  readonly status: number;
  readonly endpointMessage: string | undefined;

  constructor(status: number, retryAfterMs: number | undefined, endpointMessage?: string) {
    super(
      EmbeddingRateLimitedError.REASON,
      `embedding endpoint answered ${status}, asking to slow down` +
        (retryAfterMs === undefined ? '' : ` for ${retryAfterMs} ms`) +
        said(endpointMessage),
      { retryable: true, retryAfterMs },
    );
    this.name = 'EmbeddingRateLimitedError';
    this.status = status;
    this.endpointMessage = endpointMessage;
  }
}

/**
 * The request is more than the endpoint takes at once: too many inputs, too many tokens in all, or one input
 * longer than the model's context. Not retryable as it is: the caller splits the request (request-plan.ts
 * `halves`), and an input that is too large alone is refused for good.
 */
export class EmbeddingTooLargeError extends EmbeddingError {
  static readonly REASON = 'embedding-too-large';
  readonly status: number;
  readonly endpointMessage: string | undefined;
  /** The input the endpoint named as too long, when it named one (its index in the request). */
  readonly inputIndex: number | undefined;

  constructor(status: number, endpointMessage: string | undefined, inputIndex?: number) {
    super(
      EmbeddingTooLargeError.REASON,
      `embedding endpoint answered ${status}: the request is too large${said(endpointMessage)}`,
      { retryable: false },
    );
    this.name = 'EmbeddingTooLargeError';
    this.status = status;
    this.endpointMessage = endpointMessage;
    this.inputIndex = inputIndex;
  }
}

/** Any other 4xx: the endpoint refuses the request itself (bad model name, bad key, an input it will not take). */
export class EmbeddingRefusedError extends EmbeddingError {
  static readonly REASON = 'embedding-refused';
  readonly status: number;
  readonly endpointMessage: string | undefined;
  /** The input the endpoint named, when it named one (its index in the request). */
  readonly inputIndex: number | undefined;

  constructor(status: number, endpointMessage: string | undefined, inputIndex?: number) {
    super(
      EmbeddingRefusedError.REASON,
      `embedding endpoint refused the request (${status})${said(endpointMessage)}`,
      {
        retryable: false,
      },
    );
    this.name = 'EmbeddingRefusedError';
    this.status = status;
    this.endpointMessage = endpointMessage;
    this.inputIndex = inputIndex;
  }
}

/**
 * The endpoint could not be used this time: a 5xx, a connection refused or reset, no answer in time, or an answer
 * that does not parse or does not have the expected shape (the message says what was wrong).
 */
export class EmbeddingUnavailableError extends EmbeddingError {
  static readonly REASON = 'embedding-unavailable';
  /** The answer's status, when there was an answer. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { status?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(EmbeddingUnavailableError.REASON, message, {
      retryable: true,
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
    });
    this.name = 'EmbeddingUnavailableError';
    this.status = options.status;
  }
}

/**
 * The endpoint's circuit breaker is open (or its one half-open probe is out): the endpoint was not called. The
 * message is deferred without spending an attempt, and comes back about when the breaker lets a probe through.
 */
export class EndpointOpenError extends EmbeddingError {
  static readonly REASON = 'circuit-open';
  /** Time until the breaker lets a probe through. */
  declare readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(
      EndpointOpenError.REASON,
      `the embedding endpoint's circuit is open; next probe in ${retryAfterMs} ms`,
      {
        retryable: true,
        retryAfterMs,
      },
    );
    this.name = 'EndpointOpenError';
  }
}
