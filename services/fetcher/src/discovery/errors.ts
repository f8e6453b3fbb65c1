/**
 * Discovery's errors, read by shape like every error of the fetcher (../errors.ts): a stable, low-cardinality
 * `reason` and `retryable` (whether another attempt can help). They have their own base because their
 * reasons are not (yet) in FetchErrorReason. A gzip body that does not inflate is the fetcher's own
 * CorruptedResponseError, and a base URL that does not parse its InvalidUrlError.
 */

export type DiscoveryErrorReason = 'unexpected-document' | 'body-too-large' | 'invalid-discovery-options';

export abstract class DiscoveryError extends Error {
  abstract readonly reason: DiscoveryErrorReason;
  abstract readonly retryable: boolean;
}

/**
 * The body parsed (or failed to parse) as something other than what discovery was asked to read: an HTML page
 * where a sitemap was expected, a JSON page without its items. Fetching it again returns the same document.
 */
export class UnexpectedDocumentError extends DiscoveryError {
  readonly reason = 'unexpected-document';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnexpectedDocumentError';
  }
}

/** The document is larger than discovery reads, counted after decompression. */
export class DocumentTooLargeError extends DiscoveryError {
  readonly reason = 'body-too-large';
  readonly retryable = false;

  constructor(what: string, limitBytes: number) {
    super(`${what} exceeds the limit of ${limitBytes} bytes; reading stopped there`);
    this.name = 'DocumentTooLargeError';
  }
}

/** What the job asked discovery to do cannot be done as given (a scope pattern that does not compile). */
export class InvalidDiscoveryOptionsError extends DiscoveryError {
  readonly reason = 'invalid-discovery-options';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidDiscoveryOptionsError';
  }
}
