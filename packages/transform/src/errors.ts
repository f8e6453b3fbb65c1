/** Why a transform failed, as data: consumers classify by this code, never by message text. */
export type TransformErrorReason = 'unsupported-content-type' | 'malformed-content' | 'invalid-options';

/**
 * The base of every error this package throws on purpose. The thrower says whether a retry can help
 * (`retryable`), the way Temporal's `ApplicationFailure` carries `nonRetryable`.
 */
export abstract class TransformError extends Error {
  abstract readonly reason: TransformErrorReason;
  abstract readonly retryable: boolean;
}

/** The content type has no extractor; the same body will never transform, so retrying cannot help. */
export class UnsupportedContentTypeError extends TransformError {
  readonly reason = 'unsupported-content-type';
  readonly retryable = false;
  readonly contentType: string;

  constructor(contentType: string) {
    super(
      `unsupported content type ${JSON.stringify(contentType)}: expected HTML (text/html, application/xhtml+xml), ` +
        'JSON (application/json, */*+json) or text (text/*, markdown)',
    );
    this.name = 'UnsupportedContentTypeError';
    this.contentType = contentType;
  }
}

/** The body does not parse as the content type it declares (e.g. JSON that is not JSON); the same bytes stay broken. */
export class MalformedContentError extends TransformError {
  readonly reason = 'malformed-content';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedContentError';
  }
}

/** An options object failed validation; `option` names the offending option. A programming or configuration error. */
export class InvalidOptionsError extends TransformError {
  readonly reason = 'invalid-options';
  readonly retryable = false;
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.name = 'InvalidOptionsError';
    this.option = option;
  }
}
