import { createServer } from 'node:net';
import { documentIdFor, newTraceparent, type StoreMessage, topologyNames } from '@tributary/contracts';
import {
  createLogger,
  createRegistry,
  Lifecycle,
  type Logger,
  loadConfig,
  Readiness,
  serviceSettings,
} from '@tributary/core';
import { BrokerConnection, MessagingMetrics, Publisher } from '@tributary/messaging';
import {
  type SourceRecord,
  type StoredDocument,
  startWriter,
  type WriterService,
  writerServiceSettings,
} from '@tributary/writer';
import type { Collection, Db, Document } from 'mongodb';
import type { Registry } from 'prom-client';
import {
  registryMetric,
  type TakenMessage,
  type TestBroker,
  type TestDatabase,
  takeAll,
  useBroker,
  useDatabase,
} from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';

/** Short delay queues, so that a message handed back comes back within a test's time. */
export const TEST_TOPOLOGY = { delayBucketsMs: [200, 1_000, 3_000], maxLength: 100_000, deliveryLimit: 5 };

/** The environment of a writer under test: the test's vhost and database, short timeouts, no HTTP port. */
export function writerEnv(
  broker: Pick<TestBroker, 'amqpUrl'>,
  mongoUrl: string,
  dbName: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    AMQP_URL: broker.amqpUrl,
    RETRY_DELAY_BUCKETS_MS: TEST_TOPOLOGY.delayBucketsMs.join(','),
    QUEUE_MAX_LENGTH: String(TEST_TOPOLOGY.maxLength),
    QUEUE_DELIVERY_LIMIT: String(TEST_TOPOLOGY.deliveryLimit),
    MONGO_URL: mongoUrl,
    MONGO_DB: dbName,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '20000',
    WRITE_RETRY_BASE_MS: '100',
    WRITE_RETRY_MAX_MS: '1000',
    MONGO_SERVER_SELECTION_TIMEOUT_MS: '1500',
    MONGO_OPERATION_TIMEOUT_MS: '20000',
    ...overrides,
  };
}

/**
 * Which kind of server `db` is on, told apart as a user would: `buildInfo` names FerretDB, and FerretDB's SQLite
 * backend explains a lookup as lines of SQLite plan (`SCAN …`) where other backends give a document. The
 * explain needs a collection that exists: `collection`.
 */
export async function serverKind(
  db: Db,
  collection: string,
): Promise<'mongodb' | 'ferretdb-sqlite' | 'ferretdb'> {
  const buildInfo = await db.admin().command({ buildInfo: 1 });
  if (typeof buildInfo.ferretdbVersion !== 'string') return 'mongodb';
  const explain = await db.command({
    explain: { find: collection, filter: { _id: '' } },
    verbosity: 'queryPlanner',
  });
  const plan: unknown = explain.queryPlanner?.Plan;
  return Array.isArray(plan) && plan.some((line) => String(line).startsWith('id='))
    ? 'ferretdb-sqlite'
    : 'ferretdb';
}

/** The names of a collection's indexes beyond `_id`, sorted. */
export async function secondaryIndexNames<T extends Document>(collection: Collection<T>): Promise<string[]> {
  const indexes = await collection.indexes();
  return indexes
    .map((index) => String(index.name))
    .filter((name) => name !== '_id_')
    .sort();
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export function testLogger(name: string): Logger {
  return createLogger({ service: name, level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });
}

/** Builds a StoreMessage the way the transformer does: every chunk, deterministic ids, one source. */
export function documentsMessage(
  jobId: string,
  chunkCount: number,
  options: {
    fetchedAt?: string;
    text?: (chunkIndex: number) => string;
    etag?: string;
    meta?: (chunkIndex: number) => Record<string, unknown> | undefined;
    /** The batch the job was enqueued in. */
    batch?: string;
  } = {},
): Extract<StoreMessage, { kind: 'documents' }> {
  const fetchedAt = options.fetchedAt ?? '2026-01-01T00:00:00.000Z';
  const url = `https://example.com/articles/${jobId}`;
  const contentHash = `sha-${jobId}-${fetchedAt}`;
  return {
    kind: 'documents',
    source: {
      jobId,
      url,
      status: 200,
      ...(options.etag === undefined ? {} : { etag: options.etag }),
      ...(options.batch === undefined ? {} : { batch: options.batch }),
      contentHash,
      chunkCount,
      fetchedAt,
    },
    documents: Array.from({ length: chunkCount }, (_, chunkIndex) => {
      const meta = options.meta?.(chunkIndex);
      return {
        _id: documentIdFor(jobId, chunkIndex),
        jobId,
        sourceUrl: url,
        title: `Article ${jobId}`,
        text: options.text?.(chunkIndex) ?? `Chunk ${chunkIndex} of ${jobId} fetched at ${fetchedAt}.`,
        chunkIndex,
        chunkCount,
        contentHash,
        tokenCount: 12,
        ...(meta === undefined ? {} : { meta }),
        fetchedAt,
        transformedAt: new Date().toISOString(),
      };
    }),
  };
}

export function notModifiedMessage(jobId: string, fetchedAt: string): StoreMessage {
  return { kind: 'not-modified', source: { jobId, url: `https://example.com/articles/${jobId}`, fetchedAt } };
}

/** A connection and confirmed publisher on a vhost, with the test topology. */
export async function connectPublisher(
  amqpUrl: string,
  logger: Logger,
): Promise<{ connection: BrokerConnection; publisher: Publisher }> {
  const metrics = new MessagingMetrics(createRegistry('writer-test-publisher', { defaultMetrics: false }));
  const connection = new BrokerConnection({
    urls: [amqpUrl],
    name: 'writer-test-publisher',
    topology: { names: topologyNames(''), ...TEST_TOPOLOGY },
    logger,
    metrics,
  });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { logger, metrics });
  publisher.start();
  return { connection, publisher };
}

export async function publishStoreMessages(
  publisher: Publisher,
  messages: readonly StoreMessage[],
): Promise<void> {
  await Promise.all(
    messages.map((message) =>
      publisher.publishToStage('store', message, {
        messageId: `${message.kind}:${message.source.jobId}:${message.source.fetchedAt}`,
        traceparent: newTraceparent(),
      }),
    ),
  );
}

export type DeadLetter = TakenMessage<StoreMessage>;

/**
 * One test's writer: its own vhost and database (or a given database server), the writer built by the
 * service's own `startWriter` inside a service context the test owns, and a publisher of its own. `close()`
 * shuts the writer down the way SIGTERM does (the lifecycle, in order), then drops the vhost and database.
 */
export interface WriterWorld {
  broker: TestBroker;
  /** The database server, without a database in its path. */
  mongoUrl: string;
  db: Db;
  documents: Collection<StoredDocument>;
  sources: Collection<SourceRecord>;
  service: WriterService;
  lifecycle: Lifecycle;
  readiness: Readiness;
  registry: Registry;
  publish(...messages: StoreMessage[]): Promise<void>;
  waitForDocuments(count: number, timeoutMs?: number): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  waitForDeadLetters(count: number, timeoutMs?: number): Promise<DeadLetter[]>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops the writer (as SIGTERM would) without dropping the vhost and database. */
  stopWriter(): Promise<number>;
  close(): Promise<void>;
}

export interface WorldOptions {
  env?: Record<string, string>;
  /** A database server of the test's own (the outage test's FerretDB); the shared one otherwise. */
  database?: { mongoUrl: string; db: Db; dbName: string; dispose(): Promise<void> };
  broker?: TestBroker;
}

export async function startWriterWorld(options: WorldOptions = {}): Promise<WriterWorld> {
  const broker = options.broker ?? (await useBroker());
  let database: TestDatabase | undefined;
  let target: { mongoUrl: string; db: Db; dbName: string };
  if (options.database) {
    target = options.database;
  } else {
    database = await useDatabase();
    target = database;
  }
  const logger = testLogger('writer-test');
  const env = writerEnv(broker, target.mongoUrl, target.dbName, options.env);
  const config = loadConfig({ ...serviceSettings, ...writerServiceSettings }, env);
  const registry = createRegistry('writer-test', { defaultMetrics: false });
  const lifecycle = new Lifecycle({ logger, gracePeriodMs: config.shutdownGracePeriodMs, exit: () => {} });
  const readiness = new Readiness();
  const service = await startWriter({ config, logger, registry, lifecycle, readiness });
  if (!service) throw new Error('the writer shut down before it started');
  readiness.markStarted();
  const { connection, publisher } = await connectPublisher(broker.amqpUrl, logger);
  const documents = target.db.collection<StoredDocument>(config.documentsCollection);
  const sources = target.db.collection<SourceRecord>(config.sourcesCollection);

  const dead: DeadLetter[] = [];
  const takeDead = async () => {
    dead.push(...(await takeAll<StoreMessage>(broker.amqpUrl, 'store.dead')));
    return [...dead];
  };
  let stopped: Promise<number> | undefined;
  const stopWriter = () => {
    stopped ??= lifecycle.shutdown('test');
    return stopped;
  };
  let closed: Promise<void> | undefined;
  return {
    broker,
    mongoUrl: target.mongoUrl,
    db: target.db,
    documents,
    sources,
    service,
    lifecycle,
    readiness,
    registry,
    async publish(...messages) {
      await publishStoreMessages(publisher, messages);
    },
    async waitForDocuments(count, timeoutMs = 30_000) {
      let seen = -1;
      await waitFor(
        async () => {
          seen = await documents.countDocuments();
          return seen === count;
        },
        { timeoutMs, intervalMs: 100, what: `${count} documents in the database (last count ${seen})` },
      );
    },
    deadLetters: takeDead,
    async waitForDeadLetters(count, timeoutMs = 30_000) {
      await waitFor(async () => (await takeDead()).length >= count, {
        timeoutMs,
        intervalMs: 100,
        what: `${count} dead letters in store.dead (have ${dead.length})`,
      });
      return [...dead];
    },
    metric: (name, labels) => registryMetric(registry, name, labels),
    stopWriter,
    close() {
      closed ??= (async () => {
        try {
          await stopWriter();
          await publisher.close();
          await connection.close();
        } finally {
          if (!options.broker) await broker[Symbol.asyncDispose]();
          await database?.[Symbol.asyncDispose]();
        }
      })();
      return closed;
    },
  };
}
