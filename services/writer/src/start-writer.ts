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
 * Parts close in reverse order of registration: writer-drain (the partial batch is written at once, the
 * consumer stops taking messages and waits for its handlers, which settle as their batches land) → consumer →
 * MongoDB → publisher → broker connection. Resolves undefined when shut down before the database was ready.
 */
export async function startWriter(
  ctx: ServiceContext<WriterServiceSettings>,
): Promise<WriterService | undefined> {
  const { config, logger, registry, lifecycle, health } = ctx;
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
  lifecycle.add('mongodb', () => store.close());
  health.addReadinessCheck('mongodb', () => store.readiness());
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
  lifecycle.add('writer-drain', async () => {
    const drained = draining.drain(drainDeadlineMs);
    await consumer.stop();
    await drained;
  });
  return { messaging, store, writer, consumer };
}
