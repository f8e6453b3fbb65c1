/** One or more environment variables failed validation; the message names each variable, its value and what was expected. */
export class ConfigError extends Error {
  readonly reason = 'invalid-config';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A part did not stop within the shutdown grace period. */
export class ShutdownTimeoutError extends Error {
  readonly reason = 'shutdown-timeout';

  readonly pending: readonly string[];

  constructor(pending: readonly string[], gracePeriodMs: number) {
    super(`shutdown did not finish within ${gracePeriodMs} ms; still stopping: ${pending.join(', ')}`);
    this.name = 'ShutdownTimeoutError';
    this.pending = pending;
  }
}
