import { type Document, documentIdFor, type RawRecord, type StoreMessage } from '@tributary/contracts';
import type { TransformResult } from './plugin.ts';
import { countTokens } from './tokenizer.ts';

export interface DocumentsMessageOptions {
  /** `contentHash()` of the body bytes as fetched (base64 and gzip undone). */
  readonly contentHash: string;
  /** ISO 8601 time of the transform. */
  readonly transformedAt: string;
}

/**
 * The touch a 304 (not modified) record becomes instead of being transformed: nothing changed, so the writer
 * notes the source was seen and writes no documents.
 */
export function notModifiedMessage(record: RawRecord): StoreMessage {
  return {
    kind: 'not-modified',
    source: {
      jobId: record.jobId,
      url: record.url,
      fetchedAt: record.fetchedAt,
      ...(record.batch === undefined ? {} : { batch: record.batch }),
    },
  };
}

/**
 * The Documents of one source, from a transform's (validated) result, in one message
 * (docs/architecture.md §2.4), with the batch of its job: chunk `i` of
 * `n` gets `_id = documentIdFor(jobId, i)`, `chunkIndex = i`, `chunkCount = n`; every Document gets the source's
 * content hash, URL, fetch time and the transform time. `meta` is the job's `meta`, then the result's, then the
 * chunk's (later keys win), as JSON would carry it; absent when empty. `tokenCount` is the chunk's, or its
 * cl100k_base count.
 */
export function documentsMessage(
  record: RawRecord,
  result: TransformResult,
  options: DocumentsMessageOptions,
): StoreMessage {
  const chunkCount = result.chunks.length;
  const title = result.title === undefined || result.title === '' ? {} : { title: result.title };
  const shared = { ...record.meta, ...result.meta };
  const documents = result.chunks.map((chunk, chunkIndex): Document => {
    const meta = asJson({ ...shared, ...chunk.meta });
    return {
      _id: documentIdFor(record.jobId, chunkIndex),
      jobId: record.jobId,
      sourceUrl: record.url,
      ...title,
      text: chunk.text,
      chunkIndex,
      chunkCount,
      contentHash: options.contentHash,
      tokenCount: chunk.tokenCount ?? countTokens(chunk.text),
      ...(Object.keys(meta).length === 0 ? {} : { meta }),
      fetchedAt: record.fetchedAt,
      transformedAt: options.transformedAt,
    };
  });
  return {
    kind: 'documents',
    source: {
      jobId: record.jobId,
      url: record.url,
      status: record.status,
      ...(record.etag === undefined ? {} : { etag: record.etag }),
      ...(record.lastModified === undefined ? {} : { lastModified: record.lastModified }),
      contentHash: options.contentHash,
      chunkCount,
      fetchedAt: record.fetchedAt,
      ...(record.batch === undefined ? {} : { batch: record.batch }),
    },
    documents,
  };
}

/** The value as it arrives after JSON: what the writer stores is what the message carries, and clones safely. */
function asJson(meta: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(meta).length === 0) return meta;
  return JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
}
