// What the writer benchmarks share: the writer as the service builds it, raw driver loops as ceilings, the
// messages they write, and a store filled beforehand.

import {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  batchJobId,
  type Document,
  type StoreMessage,
} from '@tributary/contracts';
import {
  createLogger,
  createRegistry,
  Lifecycle,
  loadConfig,
  Readiness,
  serviceSettings,
} from '@tributary/core';
import {
  type SourceRecord,
  type StoredDocument,
  startWriter,
  toStoredDocument,
  writerServiceSettings,
} from '@tributary/writer';
import type { AnyBulkWriteOperation, Collection, MongoClient } from 'mongodb';
import {
  connectPublisher,
  documentsMessage,
  publishStoreMessages,
  writerEnv,
} from '../integration/writer/harness.ts';
import type { TestBroker, TestDatabase } from '../support/index.ts';
import { waitFor } from '../support/wait-for.ts';

export const BATCH = Number(process.env.BENCH_BATCH_SIZE ?? 500);
export const FIRST_FETCH = '2026-01-01T00:00:00.000Z';
export const SECOND_FETCH = '2026-01-02T00:00:00.000Z';
export const THIRD_FETCH = '2026-01-03T00:00:00.000Z';
const TEXT = 'Tributary benchmark chunk text, about as long as a small paragraph of an article. '.repeat(12);
const PREFILL_SOURCES_PER_COMMAND = 1_000;

export const benchLogger = createLogger({ service: 'bench-writer', level: process.env.LOG_LEVEL ?? 'warn' });

/**
 * `documents` documents in messages of `perMessage` chunks (the last one shorter), sources `<prefix>-<i>`,
 * their text naming the fetch, so that another fetch of the same sources changes every chunk.
 */
export function messagesFor(
  prefix: string,
  fetchedAt: string,
  documents: number,
  perMessage: number,
): StoreMessage[] {
  const count = Math.ceil(documents / perMessage);
  return Array.from({ length: count }, (_, i) =>
    documentsMessage(`${prefix}-${i}`, Math.min(perMessage, documents - i * perMessage), {
      fetchedAt,
      text: (chunk) => `${chunk} ${fetchedAt} ${TEXT}`,
    }),
  );
}

export const documentsOf = (messages: readonly StoreMessage[]): Document[] =>
  messages.flatMap((m) => (m.kind === 'documents' ? m.documents : []));

/** Updates per command, as the writer chooses them on this server (FerretDB stalls on 100 or more). */
export async function opsPerCommand(database: TestDatabase): Promise<number> {
  const buildInfo = await database.db.admin().command({ buildInfo: 1 });
  return typeof buildInfo.ferretdbVersion === 'string' ? 50 : Number.POSITIVE_INFINITY;
}

/** The server's name and version, and whether it is FerretDB. */
export async function serverOf(database: TestDatabase): Promise<{ ferretdb: boolean; name: string }> {
  const buildInfo = await database.db.admin().command({ buildInfo: 1 });
  const ferretdb = typeof buildInfo.ferretdbVersion === 'string';
  return {
    ferretdb,
    name: ferretdb ? `FerretDB ${buildInfo.ferretdbVersion}` : `MongoDB ${buildInfo.version}`,
  };
}

/** A raw driver loop: unordered bulk writes of BATCH documents, one batch at a time, acknowledged by majority. */
export async function rawLoop(
  collection: Collection<StoredDocument>,
  documents: Document[],
  mode: 'insert' | 'upsert',
  perCommand: number,
): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < documents.length; start += BATCH) {
    const ops = documents.slice(start, start + BATCH).map((d): AnyBulkWriteOperation<StoredDocument> => {
      const stored = toStoredDocument(d);
      return mode === 'insert'
        ? { insertOne: { document: stored } }
        : { replaceOne: { filter: { _id: stored._id }, replacement: stored, upsert: true } };
    });
    // Upserts in commands the size the writer uses on this server; inserts in one command, as the writer does.
    const size = mode === 'insert' ? ops.length : perCommand;
    for (let i = 0; i < ops.length; i += size) {
      await collection.bulkWrite(ops.slice(i, i + size), {
        ordered: false,
        writeConcern: { w: 'majority' },
      });
    }
  }
  return documents.length / ((performance.now() - started) / 1000);
}

/** The source record the writer stores for a message it has not seen before. */
function recordOf(message: StoreMessage): SourceRecord {
  if (message.kind !== 'documents') throw new Error('only documents messages have a record to prefill');
  const fetchedAt = new Date(message.source.fetchedAt);
  return {
    _id: message.source.jobId,
    url: message.source.url,
    status: message.source.status,
    contentHash: message.source.contentHash,
    chunkCount: message.source.chunkCount,
    contentFetchedAt: fetchedAt,
    lastFetchedAt: fetchedAt,
  };
}

/**
 * Fills `database` with `sources` sources `<prefix>-<i>` of `chunksPerSource` chunks each, fetched at
 * FIRST_FETCH, as the writer stores them (chunks and records), by raw bulk inserts; with `batch`, also the
 * `stored` record of each job in that batch, as a tracked ingestion leaves them. Start the writer first: the
 * inserts then maintain its indexes, as its own would.
 */
export async function prefill(
  database: TestDatabase,
  prefix: string,
  sources: number,
  chunksPerSource: number,
  options: { batch?: string } = {},
): Promise<void> {
  const documents = database.db.collection<StoredDocument>('documents');
  const records = database.db.collection<SourceRecord>('sources');
  const batchJobs = database.db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
  const { batch } = options;
  const perCommand = Math.max(1, Math.floor(PREFILL_SOURCES_PER_COMMAND / chunksPerSource));
  for (let start = 0; start < sources; start += perCommand) {
    const messages = Array.from({ length: Math.min(perCommand, sources - start) }, (_, i) =>
      documentsMessage(`${prefix}-${start + i}`, chunksPerSource, {
        fetchedAt: FIRST_FETCH,
        text: (chunk) => `${chunk} ${FIRST_FETCH} ${TEXT}`,
      }),
    );
    await documents.insertMany(documentsOf(messages).map(toStoredDocument), { ordered: false });
    await records.insertMany(messages.map(recordOf), { ordered: false });
    if (batch !== undefined) {
      const endedAt = new Date(FIRST_FETCH);
      await batchJobs.insertMany(
        messages.map((m) => ({
          _id: batchJobId(batch, m.source.jobId),
          batch,
          jobId: m.source.jobId,
          outcome: 'stored' as const,
          chunkCount: chunksPerSource,
          endedAt,
        })),
        { ordered: false },
      );
    }
  }
}

export interface BenchWriter extends AsyncDisposable {
  /** The writer's own MongoDB client (with command monitoring when asked for). */
  readonly client: MongoClient;
  /**
   * Publishes `messages` and resolves with documents/s once the writer has handled `count` more documents
   * (written, or skipped as it should), read from its metrics rather than by polling the database.
   */
  pass(messages: StoreMessage[], count: number): Promise<number>;
}

/**
 * The writer as the service builds it (startWriter) on `database`, fed through `broker`. With
 * `monitorCommands`, its client emits the driver's command events (set in the URL, as a user could).
 */
export async function benchWriter(
  broker: TestBroker,
  database: TestDatabase,
  options: { monitorCommands?: boolean } = {},
): Promise<BenchWriter> {
  const logger = benchLogger;
  const mongoUrl = new URL(database.mongoUrl);
  if (options.monitorCommands) mongoUrl.searchParams.set('monitorCommands', 'true');
  const env = writerEnv(broker, mongoUrl.toString(), database.dbName, {
    WRITE_BATCH_SIZE: String(BATCH),
    WRITE_BATCH_MAX_MS: '200',
    // On FerretDB 1.24 (SQLite) with 100,000 documents stored, one command of 50 upserts runs for minutes.
    MONGO_OPERATION_TIMEOUT_MS: String(3_600_000),
  });
  const config = loadConfig({ ...serviceSettings, ...writerServiceSettings }, env);
  const registry = createRegistry('bench-writer', { defaultMetrics: false });
  const lifecycle = new Lifecycle({ logger, gracePeriodMs: config.shutdownGracePeriodMs, exit: () => {} });
  const service = await startWriter({ config, logger, registry, lifecycle, readiness: new Readiness() });
  if (!service) throw new Error('the writer did not start');
  const { connection, publisher } = await connectPublisher(broker.amqpUrl, logger);
  const handled = async () => {
    const { values } = (await registry.getSingleMetric('tributary_writer_documents_total')?.get()) ?? {
      values: [],
    };
    return values.filter((v) => v.labels.result !== 'refused').reduce((sum, v) => sum + v.value, 0);
  };
  return {
    client: service.store.db.client,
    async pass(messages, count) {
      const target = (await handled()) + count;
      const started = performance.now();
      await publishStoreMessages(publisher, messages);
      await waitFor(async () => (await handled()) >= target, {
        timeoutMs: 3_600_000,
        intervalMs: 20,
        what: `${target} documents through the writer`,
      });
      return count / ((performance.now() - started) / 1000);
    },
    async [Symbol.asyncDispose]() {
      await lifecycle.shutdown('bench done');
      await publisher.close();
      await connection.close();
    },
  };
}
