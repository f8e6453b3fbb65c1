/**
 * Errors of the plugin API. Like the package's other errors they carry a `reason` code and say whether a retry can
 * help (`retryable`); the service classifies them by those, never by their text.
 */

/** TRANSFORM_MODULE names no usable transform: the module does not load, or exports no function. */
export class TransformModuleError extends Error {
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
export class InvalidTransformResultError extends Error {
  readonly reason = 'invalid-transform-result';
  readonly retryable = false;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidTransformResultError';
  }
}

/** The RawRecord's body cannot be unpacked (base64 or gzip broken in transit); the same bytes stay broken. */
export class CorruptBodyError extends Error {
  readonly reason = 'corrupt-body';
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptBodyError';
  }
}
