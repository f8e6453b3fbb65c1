/**
 * The fetcher's errors, read by shape the way every stage reads errors, never by their message: `reason`
 * (stable and low-cardinality: the metric label and the dead letter's `x-error-reason`), `retryable` (whether
 * another attempt can help) and, where it applies, `retryAfterMs` (the least wait before trying again).
 * FetchError is the base of every error class of this package. Errors of undici, the socket layer and DNS pass
 * through as they are and are classified by their own `code` (classify.ts); work handed back because the
 * fetcher is stopping is refused with the messaging layer's ShuttingDownError, as in every stage.
 */

export type FetchErrorReason =
  | 'blocked-address'
  | 'invalid-url'
  | 'body-too-large'
  | 'corrupted-response'
  | 'too-many-redirects'
  | 'circuit-open'
  | 'host-busy';

export abstract class FetchError extends Error {
  abstract readonly reason: FetchErrorReason;
  abstract readonly retryable: boolean;
}

/** The host resolves to (or is) an address the SSRF guard refuses; nothing was sent to it. */
export class BlockedAddressError extends FetchError {
  readonly reason = 'blocked-address';
  readonly retryable = false;

  constructor(host: string, address: string, range: string) {
    super(`refused to connect to ${host}: ${address} is ${range}, not a public address`);
    this.name = 'BlockedAddressError';
  }
}

export class InvalidUrlError extends FetchError {
  readonly reason = 'invalid-url';
  readonly retryable = false;

  constructor(url: string, why: string) {
    super(`invalid URL ${JSON.stringify(url.slice(0, 200))}: ${why}`);
    this.name = 'InvalidUrlError';
  }
}

/** The body is larger than FETCH_MAX_BODY_BYTES; reading stopped at the limit (or never started). */
export class BodyTooLargeError extends FetchError {
  readonly reason = 'body-too-large';
  readonly retryable = false;

  constructor(limitBytes: number, declaredBytes?: number) {
    super(
      declaredBytes === undefined
        ? `response body exceeds the limit of ${limitBytes} bytes; reading stopped there`
        : `response declares ${declaredBytes} bytes, above the limit of ${limitBytes} bytes`,
    );
    this.name = 'BodyTooLargeError';
  }
}

/** A body that ended before it was complete, or that does not parse as the type it declares. */
export class CorruptedResponseError extends FetchError {
  readonly reason = 'corrupted-response';
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptedResponseError';
  }
}

export class TooManyRedirectsError extends FetchError {
  readonly reason = 'too-many-redirects';
  readonly retryable = false;

  constructor(maxRedirects: number) {
    super(`more than ${maxRedirects} redirects`);
    this.name = 'TooManyRedirectsError';
  }
}

/** The host's circuit breaker is open (or its one half-open probe is out): the host was not called. */
export class CircuitOpenError extends FetchError {
  readonly reason = 'circuit-open';
  readonly retryable = true;
  /** Time until the breaker lets a probe through. */
  readonly retryAfterMs: number;

  constructor(host: string, retryAfterMs: number) {
    super(`circuit for ${host} is open; next probe in ${retryAfterMs} ms`);
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The job's turn at its host is further away than the fetcher holds jobs (FETCH_HOLD_MAX_MS): it waits in a
 * delay queue instead, and comes back about when its turn comes.
 */
export class HostBusyError extends FetchError {
  /** The reason, also in the `x-retry-reason` of the job it deferred, by which the job is known when it comes back. */
  static readonly REASON = 'host-busy';
  readonly reason = HostBusyError.REASON;
  readonly retryable = true;
  /** About when the job's turn comes. */
  readonly retryAfterMs: number;

  constructor(host: string, retryAfterMs: number) {
    super(`${host}'s limits are taken for the next ${Math.round(retryAfterMs)} ms`);
    this.name = 'HostBusyError';
    this.retryAfterMs = retryAfterMs;
  }
}
