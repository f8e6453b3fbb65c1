/**
 * Why the launcher could not start or keep the system running. `reason` is stable and low-cardinality, as
 * everywhere in Tributary; the message names the process and says what to do.
 */
export type LaunchFailure =
  /** Options that contradict each other or a port outside 1..65535. */
  | 'invalid-options'
  /** A port a process needs is taken by something else. */
  | 'port-in-use'
  /** infra/local could not start RabbitMQ or FerretDB, or only one of AMQP_URL and MONGO_URL is set. */
  | 'infrastructure-failed'
  /** A process exited while the system was starting. */
  | 'process-exited'
  /** A process did not answer its readiness endpoint with 200 in time. */
  | 'not-ready'
  /** A process kept dying after its restarts, or exited in a way a restart cannot help. */
  | 'process-failed'
  /** The system was stopped while it was starting. */
  | 'stopped';

export class LaunchError extends Error {
  readonly reason: LaunchFailure;
  /** The process the failure is about, when there is one. */
  readonly processName: string | undefined;
  /** Its last output lines, as it wrote them. */
  readonly lastLines: readonly string[];

  constructor(
    reason: LaunchFailure,
    message: string,
    options: { processName?: string; lastLines?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LaunchError';
    this.reason = reason;
    this.processName = options.processName;
    this.lastLines = options.lastLines ?? [];
  }
}
