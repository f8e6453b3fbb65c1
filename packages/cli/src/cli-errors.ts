/** The exit codes of every command, as the README documents them. */
export const EXIT = {
  /** Done; for `batch wait`, every job was stored or unchanged. */
  ok: 0,
  /** The work failed: jobs were dead-lettered, lines were refused. */
  failed: 1,
  /** Bad usage or bad input: an unknown option, an invalid line under --strict, an invalid setting. */
  usage: 2,
  /** The broker, its management API or the database could not be reached. */
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the user reads as one line, with the exit code it ends in. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly reason: string;

  constructor(reason: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.reason = reason;
    this.exitCode = exitCode;
  }
}
