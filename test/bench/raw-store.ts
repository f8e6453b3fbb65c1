// What the writer stores for sources it has not seen before, written with plain driver inserts: the same chunk
// documents (the writer's own `toStoredDocument`), source records and batch records, in the same collections with
// the same indexes, so that the database does the same work as under the writer, without the writer.
import { BATCH_COLLECTIONS, type BatchJobRecord, batchJobId, type StoreMessage } from '@tributary/contracts';
import type { ConfigOf } from '@tributary/core';
import {
  type SourceRecord,
  type StoredDocument,
  toNewSourceRecord,
  toStoredDocument,
  type writerSettings,
} from '@tributary/writer';
import type { Db } from 'mongodb';

/** The inserts of one batch of first ingestions, in the order the writer makes them. */
export interface StoreWrites {
  documents: StoredDocument[];
  sources: SourceRecord[];
  batchJobs: BatchJobRecord[];
}

type WriterConfig = ConfigOf<typeof writerSettings>;

/**
 * The writes of `messages`, sources the store does not hold yet: each source's chunks and record, and a batch
 * record (`stored`, with the chunk count) for a job that carries a batch. Not-modified messages write nothing new.
 */
export function firstIngestionWrites(messages: readonly StoreMessage[], endedAt: Date): StoreWrites {
  const writes: StoreWrites = { documents: [], sources: [], batchJobs: [] };
  for (const message of messages) {
    if (message.kind !== 'documents') continue;
    const { source } = message;
    writes.documents.push(...message.documents.map(toStoredDocument));
    writes.sources.push(toNewSourceRecord(message));
    if (source.batch !== undefined) {
      writes.batchJobs.push({
        _id: batchJobId(source.batch, source.jobId),
        batch: source.batch,
        jobId: source.jobId,
        outcome: 'stored',
        chunkCount: source.chunkCount,
        endedAt,
      });
    }
  }
  return writes;
}

export class RawStore {
  readonly #db: Db;
  readonly #config: Pick<WriterConfig, 'documentsCollection' | 'sourcesCollection' | 'writeConcern'>;

  /** `config`: the writer's settings (collections, write concern), read from the same environment. */
  constructor(
    db: Db,
    config: Pick<WriterConfig, 'documentsCollection' | 'sourcesCollection' | 'writeConcern'>,
  ) {
    this.#db = db;
    this.#config = config;
  }

  /**
   * Creates the indexes the writer made in `writerDb` (which it chooses by server: none beyond `_id` on FerretDB
   * with SQLite), one per command as the writer does, so that both stores keep the same indexes up to date.
   */
  async prepare(writerDb: Db): Promise<void> {
    for (const name of [this.#config.documentsCollection, BATCH_COLLECTIONS.jobs]) {
      const indexes = await writerDb.collection(name).listIndexes().toArray();
      for (const index of indexes.filter((entry) => entry.name !== '_id_')) {
        await this.#db.collection(name).createIndex(index.key, { name: index.name });
      }
    }
  }

  /** Unordered inserts, acknowledged with the writer's write concern: chunks, then source records, then batch records. */
  async insert(writes: StoreWrites): Promise<void> {
    const options = { ordered: false, writeConcern: { w: this.#config.writeConcern } };
    const db = this.#db;
    if (writes.documents.length > 0) {
      await db
        .collection<StoredDocument>(this.#config.documentsCollection)
        .insertMany(writes.documents, options);
    }
    if (writes.sources.length > 0) {
      await db.collection<SourceRecord>(this.#config.sourcesCollection).insertMany(writes.sources, options);
    }
    if (writes.batchJobs.length > 0) {
      await db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs).insertMany(writes.batchJobs, options);
    }
  }

  async counts(): Promise<{ documents: number; sources: number; batchJobs: number }> {
    return {
      documents: await this.#db.collection(this.#config.documentsCollection).countDocuments(),
      sources: await this.#db.collection(this.#config.sourcesCollection).countDocuments(),
      batchJobs: await this.#db.collection(BATCH_COLLECTIONS.jobs).countDocuments(),
    };
  }
}

/** Makes `batches` again, one after another with nothing else running; resolves with the seconds it took. */
export async function replayInserts(store: RawStore, batches: readonly StoreWrites[]): Promise<number> {
  const started = performance.now();
  for (const writes of batches) await store.insert(writes);
  return (performance.now() - started) / 1_000;
}
