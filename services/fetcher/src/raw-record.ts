import { type FetchJob, packBody, type RawRecord } from '@tributary/contracts';
import { type HttpResponse, headerValue } from './http-client.ts';

export interface RecordTiming {
  /** When the response was complete. */
  fetchedAtMs: number;
  durationMs: number;
}

/**
 * The RawRecord a fetched response becomes (docs/architecture.md §2.3). A 304 becomes a not-modified record:
 * status 304, empty body, and the validators the job already had unless the response sent new ones.
 */
export function toRawRecord(
  job: FetchJob,
  response: HttpResponse,
  timing: RecordTiming,
  compressAboveBytes: number,
): RawRecord {
  const notModified = response.status === 304;
  const packed = notModified
    ? { body: '', bodyEncoding: 'utf8' as const }
    : packBody(response.body, compressAboveBytes);
  const etag = headerValue(response.headers.etag) ?? (notModified ? job.etag : undefined);
  const lastModified =
    headerValue(response.headers['last-modified']) ?? (notModified ? job.lastModified : undefined);
  return {
    jobId: job.id,
    url: job.url,
    finalUrl: response.finalUrl,
    status: response.status,
    contentType: headerValue(response.headers['content-type']) ?? '',
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
    fetchedAt: new Date(timing.fetchedAtMs).toISOString(),
    durationMs: Math.max(0, Math.round(timing.durationMs * 1000) / 1000),
    bytes: notModified ? 0 : response.body.byteLength,
    ...packed,
    ...(job.meta === undefined ? {} : { meta: job.meta }),
    ...(job.source === undefined ? {} : { source: job.source }),
    ...(job.batch === undefined ? {} : { batch: job.batch }),
  };
}

/** The headers of the upstream request: the job's own, then the validators for a conditional GET. */
export function requestHeaders(job: FetchJob): Record<string, string> {
  const headers: Record<string, string> = { ...job.headers };
  if (job.etag !== undefined) headers['if-none-match'] = job.etag;
  if (job.lastModified !== undefined) headers['if-modified-since'] = job.lastModified;
  return headers;
}
