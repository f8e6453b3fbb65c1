import { jobIdFor } from './ids.ts';
import { HEADERS, STAGES, type Stage } from './names.ts';

/**
 * Why a message was dead-lettered. A stage's consumer says so in `x-error-reason`; a message the broker
 * dead-lettered itself (a consumer that kept crashing on it) carries only `x-death`, whose reason is the
 * broker's word (`delivery_limit` becomes `delivery-limit`).
 */
export function deadLetterReason(headers: Record<string, unknown>): string {
  const given = headerText(headers[HEADERS.errorReason]);
  if (given) return given;
  const deaths = headers['x-death'];
  const first = Array.isArray(deaths) ? (deaths[0] as { reason?: unknown } | undefined) : undefined;
  return typeof first?.reason === 'string' ? first.reason.replaceAll('_', '-') : 'unknown';
}

/** The stage a dead letter failed in: its `x-failed-stage`, else the routing key it was dead-lettered with. */
export function deadLetterStage(headers: Record<string, unknown>, routingKey: string): Stage | undefined {
  const named = headerText(headers[HEADERS.failedStage]) ?? routingKey;
  return (STAGES as readonly string[]).includes(named) ? (named as Stage) : undefined;
}

/**
 * The job and batch a dead letter belongs to, read from its body whatever the stage (a FetchJob, a RawRecord or
 * a StoreMessage); undefined when the body names no batch (or is not even JSON).
 */
export function deadLetterJob(stage: Stage, body: unknown): { jobId: string; batch: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = body as {
    id?: unknown;
    url?: unknown;
    method?: unknown;
    body?: unknown;
    jobId?: unknown;
    batch?: unknown;
    source?: { jobId?: unknown; batch?: unknown };
  };
  let jobId: unknown;
  let batch: unknown;
  if (stage === 'fetch') {
    batch = message.batch;
    jobId = message.id ?? jobIdOfRequest(message);
  } else if (stage === 'transform') {
    batch = message.batch;
    jobId = message.jobId;
  } else {
    batch = message.source?.batch;
    jobId = message.source?.jobId;
  }
  return typeof jobId === 'string' && jobId !== '' && typeof batch === 'string' && batch !== ''
    ? { jobId, batch }
    : undefined;
}

function jobIdOfRequest(job: { url?: unknown; method?: unknown; body?: unknown }): string | undefined {
  if (typeof job.url !== 'string') return undefined;
  try {
    return jobIdFor({
      url: job.url,
      method: typeof job.method === 'string' ? job.method : undefined,
      body: typeof job.body === 'string' ? job.body : undefined,
    });
  } catch {
    // Not a URL at all: the job cannot be named, so it cannot be counted in its batch either.
    return undefined;
  }
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (Buffer.isBuffer(value) && value.length > 0) return value.toString('utf8');
  return undefined;
}
