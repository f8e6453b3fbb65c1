import {
  batchDeadLettersQueue,
  type StoreMessage,
  StoreMessageSchema,
  topologyNames,
} from '@tributary/contracts';
import type { ServiceContext } from '@tributary/core';
import { type Consumer, type Messaging, messagingSettings, startMessaging } from '@tributary/messaging';
import { z } from 'zod';
import { BatchRecords } from './batch-records.ts';
import { prefetchForBatchSize, writerSettings } from './config.ts';
import { deadLetterRecorder } from './dead-letter-records.ts';
import { WriterMetrics } from './metrics.ts';
import { MongoStore } from './store.ts';
import { Writer } from './writer.ts';

/** Dead letters being recorded at once: they are rare, and each is one small insert. */
const DEAD_LETTER_PREFETCH = 20;

/** Everything the writer service reads from the environment. */
export const writerServiceSettings = { ...messagingSettings, ...writerSettings };
export type WriterServiceSettings = typeof writerServiceSettings;

export interface WriterService {
  messaging: Messaging;
  store: MongoStore;
  writer: Writer;
  consumer: Consumer<StoreMessage>;
}

/**
 * Builds and starts the writer inside a service context (main.ts passes runService's; tests build their own):
 * broker connection and publisher, the MongoDB store (started before any message is taken: connected, limits
 * read, indexes ensured), the writer and its consumer of `store.docs`.
 *
 * Shutdown: stop-intake (the writer writes its partial batch and every later arrival at once; the consumer
 * stops taking messages) → settle (the handlers settle as their batches land) → flush (publisher confirms) →
 * close (MongoDB, broker connection). Resolves undefined when shut down before the database was ready.
 */
export async function startWriter(
  ctx: Pick<
    ServiceContext<WriterServiceSettings>,
    'config' | 'logger' | 'registry' | 'lifecycle' | 'readiness'
  >,
): Promise<WriterService | undefined> {
  const { config, logger, registry, lifecycle, readiness } = ctx;
  const messaging = startMessaging(ctx, 'writer');
  const store = new MongoStore(
    {
      url: config.mongoUrl,
      dbName: config.mongoDb,
      documentsCollection: config.documentsCollection,
      sourcesCollection: config.sourcesCollection,
      writeConcern: config.writeConcern,
      serverSelectionTimeoutMs: config.serverSelectionTimeoutMs,
      operationTimeoutMs: config.operationTimeoutMs,
      opsPerCommand: config.opsPerCommand,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
    },
    { logger },
  );
  let writer: Writer | undefined;
  const metrics = new WriterMetrics(registry, {
    pendingDocuments: () => writer?.pendingDocuments ?? 0,
    databaseReady: () => store.isReady,
  });
  lifecycle.add('close', 'mongodb', () => store.close());
  readiness.addReadinessCheck('mongodb', () => store.readiness());
  if (!(await store.start())) return undefined;

  const batchRecords = new BatchRecords(store.db, {
    readByIdUpTo: store.serverProfile.readByIdUpTo,
    onEnded: (outcome, jobs) => metrics.batchJobsEnded.inc({ outcome }, jobs),
  });
  if (store.serverProfile.secondaryIndexes) {
    await batchRecords.ensureIndexes().catch((err: unknown) => {
      // Only `tributary batch status` reads by it; writing goes on without it, and the next start tries again.
      logger.warn({ err }, 'could not ensure the index of the batch records');
    });
  }
  writer = new Writer(
    {
      batchSize: config.batchSize,
      batchMaxMs: config.batchMaxMs,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
    },
    { store, logger, metrics, batchRecords },
  );
  const consumer = messaging.consume(
    'store',
    StoreMessageSchema,
    {
      prefetch: prefetchForBatchSize(config),
      maxAttempts: config.maxAttempts,
      backoff: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
    },
    writer.handle,
  );
  // Every dead letter of every stage also arrives here, to be recorded in its batch.
  const recorderStopping = new AbortController();
  messaging.consume(
    'store',
    z.instanceof(Buffer),
    {
      queue: batchDeadLettersQueue(topologyNames(config.topologyPrefix)),
      decode: (content) => ({ ok: true, value: content }),
      prefetch: DEAD_LETTER_PREFETCH,
      maxAttempts: config.maxAttempts,
      backoff: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
    },
    deadLetterRecorder({
      records: batchRecords,
      logger,
      retry: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
      stopping: recorderStopping.signal,
    }),
  );
  lifecycle.add('stop-intake', 'dead-letter-recorder', () => recorderStopping.abort());
  // A failing batch is retried for most of the grace period; what is left of it settles the hand-back.
  const drainDeadlineMs = Math.max(config.shutdownGracePeriodMs - 5_000, config.shutdownGracePeriodMs / 2);
  const draining = writer;
  let drained: Promise<void> | undefined;
  // The partial batch is written at once, and every later arrival too, while the consumer stops taking more.
  lifecycle.add('stop-intake', 'writer', () => {
    drained = draining.drain(drainDeadlineMs);
  });
  lifecycle.add('settle', 'writer', () => drained);
  return { messaging, store, writer, consumer };
}
