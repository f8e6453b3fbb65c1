import { documentIdFor, type StoreMessage } from '@tributary/contracts';
import { type AnyBulkWriteOperation, BSON } from 'mongodb';
import {
  type DocumentsMessage,
  type SourceRecord,
  type StoredDocument,
  toNewSourceRecord,
  toStoredDocument,
} from './stored-records.ts';

/** What the `sources` collection says about a source before this batch. */
export interface StoredSourceState {
  chunkCount: number;
  contentFetchedAt: Date;
}

/** What a batch does with one message. */
export type Verdict =
  /** Its documents, stale-chunk removal and source record are in the plan. */
  | { kind: 'write' }
  /** A not-modified: only the source's `lastFetchedAt` moves. */
  | { kind: 'touch' }
  /**
   * Nothing to write, and nothing lost: the store already holds a newer fetch of the source, or a newer message
   * of the same source is in this batch.
   */
  | { kind: 'skip'; reason: 'older-than-stored' | 'superseded' }
  | { kind: 'dead'; reason: 'document-refused' | 'invalid-message'; message: string };

/** One write operation and the message (its index in the batch) that produced it. */
export interface PlannedOp<S extends object> {
  message: number;
  op: AnyBulkWriteOperation<S>;
  /** For an insert: the upsert that does its work when the insert fails (the document exists already). */
  fallback?: AnyBulkWriteOperation<S>;
}

/**
 * The writes of one batch, in three phases that run in this order: the chunks, then the removal of chunks a
 * source no longer has, then the source records. A source record is written only after its chunks, so a crash
 * in between leaves a record that still describes the old content, and the redelivered message does the
 * removal again.
 *
 * A source the store has no record of has its chunks and its record inserted rather than upserted: that is the
 * common case (first ingestion), and an insert costs the server less than an upsert, which must look the
 * document up first (on FerretDB's SQLite backend an upsert scans the collection). An insert that fails because
 * the document exists (a redelivery after a crash before the source record was written, or another writer)
 * runs its `fallback` upsert instead, and a source with such a chunk has its `staleChunksIfPresent` removal
 * run too.
 */
export interface WritePlan {
  verdicts: Verdict[];
  /** Chunks of sources without a stored record: `insertOne`, with the upsert as fallback. */
  inserts: PlannedOp<StoredDocument>[];
  /** Chunks of known sources: `replaceOne` upserts keyed by the deterministic `_id`. */
  upserts: PlannedOp<StoredDocument>[];
  staleChunks: PlannedOp<StoredDocument>[];
  /** For each message written as inserts: the removal of chunks from `chunkCount` on, if any chunk existed. */
  staleChunksIfPresent: PlannedOp<StoredDocument>[];
  /** Records of sources not stored yet: `insertOne`, with the upsert as fallback. */
  sourceInserts: PlannedOp<SourceRecord>[];
  /** Records of known sources (upserts) and not-modified touches. */
  sources: PlannedOp<SourceRecord>[];
}

export interface PlanOptions {
  /**
   * The server's largest BSON document (hello's `maxBsonObjectSize`). The driver refuses to send an update
   * statement this large, failing the whole bulk write, so such a document is refused before it is sent.
   */
  maxDocumentBytes: number;
  /** Size of a value as BSON; the driver's own calculation by default. */
  sizeOf?: (value: object) => number;
}

/** The sources whose stored state the plan needs: those of `documents` messages. */
export function sourcesToRead(messages: readonly StoreMessage[]): string[] {
  const ids = new Set<string>();
  for (const message of messages) if (message.kind === 'documents') ids.add(message.source.jobId);
  return [...ids];
}

/**
 * Turns a batch of StoreMessages into its write operations. Pure: the stored state of the batch's sources is
 * read beforehand and passed in.
 *
 * - A `documents` message that contradicts itself (chunk count, ids) is dead `invalid-message`; one with a
 *   chunk too large for the server is dead `document-refused`, and none of its chunks are written.
 * - Of several messages for one source, only the newest fetch is written (the later one on a tie); a message
 *   older than what the store holds is skipped. Either way the store ends as if they had come in order.
 * - When the stored source had more chunks than the new content, the chunks from `chunkCount` on are removed.
 * - The chunks of a source without a stored record are inserted, the others upserted (see {@link WritePlan}).
 * - A `not-modified` message moves the source's `lastFetchedAt` forward, and nothing else.
 */
export function planWrite(
  messages: readonly StoreMessage[],
  stored: ReadonlyMap<string, StoredSourceState>,
  options: PlanOptions,
): WritePlan {
  const sizeOf = options.sizeOf ?? ((value: object) => BSON.calculateObjectSize(value));
  const verdicts: Verdict[] = [];
  const storedDocuments = new Map<number, StoredDocument[]>();
  const newest = new Map<string, number>();

  messages.forEach((message, index) => {
    if (message.kind === 'not-modified') {
      verdicts.push({ kind: 'touch' });
      return;
    }
    const problem = contradiction(message);
    if (problem) {
      verdicts.push({ kind: 'dead', reason: 'invalid-message', message: problem });
      return;
    }
    const documents = message.documents.map(toStoredDocument);
    for (const document of documents) {
      const bytes = sizeOf({ q: { _id: document._id }, u: document, upsert: true, multi: false });
      if (bytes >= options.maxDocumentBytes) {
        verdicts.push({
          kind: 'dead',
          reason: 'document-refused',
          message:
            `chunk ${document.chunkIndex} (_id ${document._id}) is ${bytes} bytes as BSON; ` +
            `the server accepts documents below ${options.maxDocumentBytes} bytes`,
        });
        return;
      }
    }
    const state = stored.get(message.source.jobId);
    const fetchedAt = Date.parse(message.source.fetchedAt);
    if (state && state.contentFetchedAt.getTime() > fetchedAt) {
      verdicts.push({ kind: 'skip', reason: 'older-than-stored' });
      return;
    }
    verdicts.push({ kind: 'write' });
    storedDocuments.set(index, documents);
    const rival = newest.get(message.source.jobId);
    if (rival === undefined || fetchedAt >= Date.parse(fetchedAtOf(messages[rival]))) {
      if (rival !== undefined) verdicts[rival] = { kind: 'skip', reason: 'superseded' };
      newest.set(message.source.jobId, index);
    } else {
      verdicts[index] = { kind: 'skip', reason: 'superseded' };
    }
  });

  const plan: WritePlan = {
    verdicts,
    inserts: [],
    upserts: [],
    staleChunks: [],
    staleChunksIfPresent: [],
    sourceInserts: [],
    sources: [],
  };
  messages.forEach((message, index) => {
    const verdict = verdicts[index];
    if (verdict?.kind === 'touch') {
      plan.sources.push({
        message: index,
        op: {
          updateOne: {
            filter: { _id: message.source.jobId },
            update: { $max: { lastFetchedAt: new Date(message.source.fetchedAt) } },
          },
        },
      });
      return;
    }
    if (verdict?.kind !== 'write' || message.kind !== 'documents') return;
    const { jobId, chunkCount } = message.source;
    const state = stored.get(jobId);
    for (const document of storedDocuments.get(index) ?? []) {
      if (state) plan.upserts.push({ message: index, op: upsertOf(document) });
      else
        plan.inserts.push({ message: index, op: { insertOne: { document } }, fallback: upsertOf(document) });
    }
    const removal: PlannedOp<StoredDocument> = {
      message: index,
      op: { deleteMany: { filter: { jobId, chunkIndex: { $gte: chunkCount } } } },
    };
    if (!state) plan.staleChunksIfPresent.push(removal);
    else if (state.chunkCount > chunkCount) plan.staleChunks.push(removal);
    if (state) plan.sources.push({ message: index, op: sourceUpsert(message) });
    else
      plan.sourceInserts.push({ message: index, op: sourceInsert(message), fallback: sourceUpsert(message) });
  });
  return plan;
}

/** The upsert of a chunk: replaced whole, keyed by its deterministic `_id`. */
export function upsertOf(document: StoredDocument): AnyBulkWriteOperation<StoredDocument> {
  return { replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } };
}

function fetchedAtOf(message: StoreMessage | undefined): string {
  return message?.source.fetchedAt ?? '';
}

/** Why a documents message cannot be stored as it is, or undefined when it is consistent. */
function contradiction(message: DocumentsMessage): string | undefined {
  const { jobId, chunkCount } = message.source;
  if (message.documents.length !== chunkCount) {
    return `source.chunkCount is ${chunkCount} but the message carries ${message.documents.length} documents`;
  }
  const seen = new Set<number>();
  for (const document of message.documents) {
    const where = `document ${document._id}`;
    if (document.jobId !== jobId) return `${where} has jobId ${document.jobId}, not the source's ${jobId}`;
    if (document.chunkCount !== chunkCount) {
      return `${where} has chunkCount ${document.chunkCount}, not the source's ${chunkCount}`;
    }
    if (document.chunkIndex >= chunkCount) {
      return `${where} has chunkIndex ${document.chunkIndex}, outside 0..${chunkCount - 1}`;
    }
    if (seen.has(document.chunkIndex)) return `chunkIndex ${document.chunkIndex} appears twice`;
    seen.add(document.chunkIndex);
    if (document._id !== documentIdFor(jobId, document.chunkIndex)) {
      return `${where} is not documentIdFor(jobId, ${document.chunkIndex}); ids must be deterministic`;
    }
  }
  return undefined;
}

/** The record of a source seen for the first time. */
function sourceInsert(message: DocumentsMessage): AnyBulkWriteOperation<SourceRecord> {
  return { insertOne: { document: toNewSourceRecord(message) } };
}

/** The source record of new content: every field set anew, etag and lastModified removed when absent. */
function sourceUpsert(message: DocumentsMessage): AnyBulkWriteOperation<SourceRecord> {
  const { source } = message;
  const fetchedAt = new Date(source.fetchedAt);
  const set: Partial<SourceRecord> = {
    url: source.url,
    status: source.status,
    contentHash: source.contentHash,
    chunkCount: source.chunkCount,
    contentFetchedAt: fetchedAt,
  };
  const unset: Partial<Record<'etag' | 'lastModified', ''>> = {};
  if (source.etag === undefined) unset.etag = '';
  else set.etag = source.etag;
  if (source.lastModified === undefined) unset.lastModified = '';
  else set.lastModified = source.lastModified;
  return {
    updateOne: {
      filter: { _id: source.jobId },
      update: {
        $set: set,
        ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
        $max: { lastFetchedAt: fetchedAt },
      },
      upsert: true,
    },
  };
}
