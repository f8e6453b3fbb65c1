/**
 * A queue the broker already has with other arguments than this process declares: the broker refuses the
 * declaration (406 PRECONDITION_FAILED) at every reconnect, so nothing works until the settings agree. The
 * message names the setting that produced the argument, so that the operator knows what to change.
 */

const PRECONDITION_FAILED = 406;

/** Queue arguments and the setting each comes from. */
const ARGUMENT_SETTINGS: Readonly<Record<string, string>> = {
  'x-delivery-limit': 'QUEUE_DELIVERY_LIMIT',
  'x-max-length': 'QUEUE_MAX_LENGTH',
  'x-message-ttl': 'RETRY_DELAY_BUCKETS_MS',
};

/** The explanation of a refused declaration, or undefined when `err` is something else. */
export function topologyConflictOf(err: unknown): string | undefined {
  const failure = err as { code?: unknown; message?: unknown } | null;
  if (failure === null || typeof failure !== 'object' || failure.code !== PRECONDITION_FAILED)
    return undefined;
  const message = typeof failure.message === 'string' ? failure.message : String(err);
  const detail = /PRECONDITION_FAILED - ([^"]+)/.exec(message)?.[1] ?? message;
  const argument = /inequivalent arg '([^']+)'/.exec(detail)?.[1];
  const setting = argument === undefined ? undefined : ARGUMENT_SETTINGS[argument];
  const advice =
    setting === undefined
      ? 'declare it with the arguments the broker has, or delete the queue'
      : `set ${setting} to what the queue was declared with (as the services have it), or delete the queue`;
  return `the broker refused to declare the topology: ${detail}; ${advice}`;
}
