/**
 * The fetcher's own failures. Each carries a `code` that the classification table (classify.ts) reads, the
 * way it reads undici's and the socket layer's codes: never the message text.
 */

export type FetchFailureCode =
  | 'blocked-address'
  | 'invalid-url'
  | 'body-too-large'
  | 'corrupted-response'
  | 'too-many-redirects';

export class FetchFailure extends Error {
  readonly code: FetchFailureCode;

  constructor(code: FetchFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchFailure';
    this.code = code;
  }
}

/** The host resolves to (or is) an address the SSRF guard refuses; nothing was sent to it. */
export class BlockedAddressError extends FetchFailure {
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string, range: string) {
    super('blocked-address', `refused to connect to ${host}: ${address} is ${range}, not a public address`);
    this.name = 'BlockedAddressError';
    this.host = host;
    this.address = address;
  }
}

export class InvalidUrlError extends FetchFailure {
  constructor(url: string, why: string) {
    super('invalid-url', `invalid URL ${JSON.stringify(url.slice(0, 200))}: ${why}`);
    this.name = 'InvalidUrlError';
  }
}

/** The body is larger than FETCH_MAX_BODY_BYTES; reading stopped at the limit (or never started). */
export class BodyTooLargeError extends FetchFailure {
  constructor(limitBytes: number, declaredBytes?: number) {
    super(
      'body-too-large',
      declaredBytes === undefined
        ? `response body exceeds the limit of ${limitBytes} bytes; reading stopped there`
        : `response declares ${declaredBytes} bytes, above the limit of ${limitBytes} bytes`,
    );
    this.name = 'BodyTooLargeError';
  }
}

/** A body that ended before it was complete, or that does not parse as the type it declares. */
export class CorruptedResponseError extends FetchFailure {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupted-response', message, options);
    this.name = 'CorruptedResponseError';
  }
}

export class TooManyRedirectsError extends FetchFailure {
  constructor(maxRedirects: number) {
    super('too-many-redirects', `more than ${maxRedirects} redirects`);
    this.name = 'TooManyRedirectsError';
  }
}

/** The host is backing off after a 429; the job waits in a delay queue instead of holding a slot. */
export class HostPausedError extends Error {
  readonly reason = 'host-backoff';
  readonly remainingMs: number;

  constructor(host: string, remainingMs: number) {
    super(`${host} is paused for another ${remainingMs} ms after asking to slow down`);
    this.name = 'HostPausedError';
    this.remainingMs = remainingMs;
  }
}

/** The fetcher is shutting down: a job that had not started its request goes back to the queue. */
export class FetcherClosingError extends Error {
  readonly reason = 'shutting-down';

  constructor() {
    super('the fetcher is shutting down; the request was not started');
    this.name = 'FetcherClosingError';
  }
}

/** The code of an error or of its cause: undici's `UND_ERR_*`, a socket `E*` code, or a FetchFailure's. */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
