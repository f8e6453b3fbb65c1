/**
 * How a worker process tells the primary whether it is ready (connected and consuming), over the cluster's IPC
 * channel. prom-client's metric requests share the channel; messages are told apart by `type`.
 */
export interface WorkerStatusMessage {
  readonly type: 'tributary:worker-status';
  readonly ready: boolean;
  /** The failing checks when not ready, e.g. `broker: disconnected`. */
  readonly detail: string;
}

/** The environment variable that tells a forked worker its slot (0-based), for logs and the primary's bookkeeping. */
export const WORKER_SLOT_ENV = 'TRANSFORM_WORKER_SLOT';

export function workerStatusMessage(readiness: {
  ready: boolean;
  checks: Record<string, { ready: boolean; detail?: string }>;
}): WorkerStatusMessage {
  const failing = Object.entries(readiness.checks)
    .filter(([, check]) => !check.ready)
    .map(([name, check]) => (check.detail === undefined ? name : `${name}: ${check.detail}`));
  return { type: 'tributary:worker-status', ready: readiness.ready, detail: failing.join(', ') };
}

export function isWorkerStatusMessage(value: unknown): value is WorkerStatusMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'tributary:worker-status' &&
    typeof (value as { ready?: unknown }).ready === 'boolean'
  );
}
