/** A query parameter of a request has a value the demo API does not accept; answered with 400. */
export class InvalidParameterError extends Error {
  readonly reason = 'invalid-parameter';
  readonly parameter: string;

  constructor(parameter: string, expected: string, got: string) {
    super(`${parameter} must be ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'InvalidParameterError';
    this.parameter = parameter;
  }
}

/** The demo API was asked to start twice, or after it closed. */
export class DemoApiStateError extends Error {
  readonly reason = 'invalid-state';

  constructor(message: string) {
    super(message);
    this.name = 'DemoApiStateError';
  }
}
