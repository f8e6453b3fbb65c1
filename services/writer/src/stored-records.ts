import type { Document, Embedding, StoreMessage } from '@tributary/contracts';

/**
 * A chunk as stored: the Document of the message with its times as BSON dates (so that `transformedAt` and
 * `fetchedAt` sort and compare as times, whatever offset the ISO strings carried). Optional fields absent in
 * the message are absent here, never null.
 */
export interface StoredDocument {
  _id: string;
  jobId: string;
  sourceUrl: string;
  title?: string;
  text: string;
  chunkIndex: number;
  chunkCount: number;
  contentHash: string;
  tokenCount: number;
  meta?: Record<string, unknown>;
  fetchedAt: Date;
  transformedAt: Date;
  /** From the embed stage, when it runs: the vector, its model and dimensions, and the hash of its text. */
  embedding?: Embedding;
}

/**
 * One record per source (per job), docs/architecture.md §4. `contentFetchedAt` is the fetch time of the
 * content whose chunks are stored; `lastFetchedAt` the latest fetch of any kind, a not-modified one included.
 */
export interface SourceRecord {
  _id: string;
  url: string;
  status: number;
  etag?: string;
  lastModified?: string;
  contentHash: string;
  chunkCount: number;
  contentFetchedAt: Date;
  lastFetchedAt: Date;
}

export type DocumentsMessage = Extract<StoreMessage, { kind: 'documents' }>;

/** The stored form of a Document, with a fixed field order so that a replay replaces it with equal bytes. */
export function toStoredDocument(document: Document): StoredDocument {
  const stored: StoredDocument = {
    _id: document._id,
    jobId: document.jobId,
    sourceUrl: document.sourceUrl,
    text: document.text,
    chunkIndex: document.chunkIndex,
    chunkCount: document.chunkCount,
    contentHash: document.contentHash,
    tokenCount: document.tokenCount,
    fetchedAt: new Date(document.fetchedAt),
    transformedAt: new Date(document.transformedAt),
  };
  if (document.title !== undefined) stored.title = document.title;
  if (document.meta !== undefined) stored.meta = document.meta;
  if (document.embedding !== undefined) {
    const { model, dimensions, textHash, vector } = document.embedding;
    stored.embedding = { model, dimensions, textHash, vector };
  }
  return stored;
}

/** The record of a source seen for the first time: its content is the content just fetched. */
export function toNewSourceRecord(message: DocumentsMessage): SourceRecord {
  const { source } = message;
  const fetchedAt = new Date(source.fetchedAt);
  const record: SourceRecord = {
    _id: source.jobId,
    url: source.url,
    status: source.status,
    contentHash: source.contentHash,
    chunkCount: source.chunkCount,
    contentFetchedAt: fetchedAt,
    lastFetchedAt: fetchedAt,
  };
  if (source.etag !== undefined) record.etag = source.etag;
  if (source.lastModified !== undefined) record.lastModified = source.lastModified;
  return record;
}
