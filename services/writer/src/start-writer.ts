import type { ServiceContext } from '@tributary/core';
import {
  type Consumer,
  type Messaging,
  messagingSettings,
  type StoreMessage,
  StoreMessageSchema,
  startMessaging,
} from '@tributary/messaging';
import { prefetchOf, writerSettings } from './config.ts';
import { WriterMetrics } from './metrics.ts';
import { MongoStore } from './store.ts';
import { Writer } from './writer.ts';

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

  writer = new Writer(
    {
      batchSize: config.batchSize,
      batchMaxMs: config.batchMaxMs,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
    },
    { store, logger, metrics },
  );
  const consumer = messaging.consume(
    'store',
    StoreMessageSchema,
    {
      prefetch: prefetchOf(config),
      maxAttempts: config.maxAttempts,
      backoff: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
    },
    writer.handle,
  );
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
