import { createHash } from 'node:crypto';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The form of a URL that identifies a resource: scheme and host lower-cased (by URL itself), default port and
 * fragment dropped, query parameters sorted. `http://Example.com:80/a?b=2&a=1#x` → `http://example.com/a?a=1&b=2`.
 */
export function normaliseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  parsed.searchParams.sort();
  // URLSearchParams.sort() re-serialises; an empty query must not leave a dangling '?'.
  if (parsed.search === '?') parsed.search = '';
  return parsed.toString();
}

/** A job's id: the same request enqueued twice is the same job. */
export function jobIdFor(request: {
  url: string;
  method?: string | undefined;
  body?: string | undefined;
}): string {
  const method = (request.method ?? 'GET').toUpperCase();
  return sha256(`${method}\n${normaliseUrl(request.url)}\n${request.body ?? ''}`).slice(0, 32);
}

/** A chunk's id: stable across redeliveries and re-ingestion, so the writer's upsert is idempotent. */
export function documentIdFor(jobId: string, chunkIndex: number): string {
  return sha256(`${jobId}\n${chunkIndex}`).slice(0, 32);
}

export function contentHash(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
