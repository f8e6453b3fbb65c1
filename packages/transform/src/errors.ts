/**
 * Why a transform failed, as data: it is the dead letter's `x-error-reason` and the errors metric's label, and
 * consumers classify by it (with `retryable`), never by message text.
 */
export type TransformErrorReason =
  | 'unsupported-content-type'
  | 'malformed-content'
  | 'invalid-options'
  | 'invalid-transform-module'
  | 'invalid-transform-result'
  | 'corrupt-body';

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

/** TRANSFORM_MODULE names no usable transform: the module does not load, or exports no function. */
export class TransformModuleError extends TransformError {
  readonly reason = 'invalid-transform-module';
  readonly retryable = false;
  /** The module as configured. */
  readonly specifier: string;

  constructor(specifier: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransformModuleError';
    this.specifier = specifier;
  }
}

/**
 * A transform returned something that is not a `TransformResult` (a missing `chunks`, a blank chunk, a field
 * the service owns such as `_id`). The same code given the same record returns the same thing: not retryable.
 */
export class InvalidTransformResultError extends TransformError {
  readonly reason = 'invalid-transform-result';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidTransformResultError';
  }
}

/** The RawRecord's body cannot be unpacked (base64 or gzip broken in transit); the same bytes stay broken. */
export class CorruptBodyError extends TransformError {
  readonly reason = 'corrupt-body';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptBodyError';
  }
}
