import {
  childTraceparent,
  type FetchJob,
  FetchJobSchema,
  jobIdFor,
  newTraceparent,
  type RawRecord,
  topologyNames,
} from '@tributary/contracts';
import { createLogger, createRegistry, Lifecycle, type Logger } from '@tributary/core';
import { createDemoApi, type DemoApi, type DemoApiOptions } from '@tributary/demo-api';
import {
  Fetcher,
  type FetcherOptions,
  prefetchForConcurrency,
  resolveFetcherOptions,
} from '@tributary/fetcher';
import {
  BrokerConnection,
  Consumer,
  MessagingMetrics,
  Publisher,
  type TopologyOptions,
} from '@tributary/messaging';
import type { Registry } from 'prom-client';
import { countMessages, registryMetric, type TestBroker, takeAll, useBroker } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';

/** Short delay queues so that retries come back within a test's time. */
export const TEST_DELAY_BUCKETS_MS = [200, 1_000, 3_000];
/** The topology every party of a test declares; the child-process fetcher gets the same through its env. */
export const TEST_TOPOLOGY = { delayBucketsMs: TEST_DELAY_BUCKETS_MS, maxLength: 100_000, deliveryLimit: 5 };

/** Short timeouts and a small backoff: failures are decided in well under a second. */
export const TEST_FETCHER_DEFAULTS: Partial<FetcherOptions> = {
  concurrency: 50,
  perHostConcurrency: 50,
  perHostRate: 0,
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 2_000,
  bodyTimeoutMs: 2_000,
  maxAttempts: 3,
  backoffBaseMs: 50,
  backoffMaxMs: 200,
};

export interface DeadLetter {
  body: FetchJob;
  headers: Record<string, unknown>;
}

/**
 * One test's world: its own vhost on the real broker, a demo API in process on port 0, and a fetcher built
 * from its modules, consuming `fetch.jobs` and publishing to `transform.raw`. Records and dead letters are
 * read back with a plain amqplib connection, as any other service would see them.
 */
export interface FetcherWorld {
  broker: TestBroker;
  demo: DemoApi;
  /** The demo API's base URL, `http://127.0.0.1:port`. */
  demoUrl: string;
  fetcher: Fetcher;
  registry: Registry;
  connection: BrokerConnection;
  publisher: Publisher;
  consumer: Consumer<FetchJob>;
  /** A job for a path of the demo API (`/records/1?failFirst=2`); its id derives from the URL. */
  job(path: string, extra?: Partial<FetchJob>): FetchJob;
  enqueue(...jobs: FetchJob[]): Promise<void>;
  /** Every record that reached `transform.raw` so far, taken off the queue (kept for later calls). */
  records(): Promise<RawRecord[]>;
  waitForRecords(count: number, timeoutMs?: number): Promise<RawRecord[]>;
  deadLetters(): Promise<DeadLetter[]>;
  waitForDeadLetters(count: number, timeoutMs?: number): Promise<DeadLetter[]>;
  /** Requests for this exact path and query that reached the demo API. */
  attempts(path: string): number;
  /** The fetcher's metric value for these labels (0 when never set). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export interface WorldOptions {
  fetcher?: Partial<FetcherOptions>;
  demo?: DemoApiOptions;
}

export function testLogger(name: string): Logger {
  return createLogger({ service: name, level: (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent' });
}

/** A connection and confirmed publisher on the test vhost with the test topology. */
export async function connectBroker(
  amqpUrl: string,
  name: string,
  logger: Logger,
  metrics: MessagingMetrics,
): Promise<{ connection: BrokerConnection; publisher: Publisher; topology: TopologyOptions }> {
  const topology: TopologyOptions = { names: topologyNames(''), ...TEST_TOPOLOGY };
  const connection = new BrokerConnection({ urls: [amqpUrl], name, topology, logger, metrics });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { metrics, logger });
  publisher.start();
  return { connection, publisher, topology };
}

/**
 * The environment of `node services/fetcher/src/main.ts` run as a child process against the test's vhost: the test
 * topology (a queue declared with other arguments would be refused), an HTTP port of its own and info logs, which
 * the tests read.
 */
export function fetcherProcessEnv(amqpUrl: string): Record<string, string> {
  return {
    AMQP_URL: amqpUrl,
    RETRY_DELAY_BUCKETS_MS: TEST_DELAY_BUCKETS_MS.join(','),
    QUEUE_MAX_LENGTH: String(TEST_TOPOLOGY.maxLength),
    QUEUE_DELIVERY_LIMIT: String(TEST_TOPOLOGY.deliveryLimit),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

export function jobFor(url: string, extra: Partial<FetchJob> = {}): FetchJob {
  return { id: jobIdFor({ url }), url, ...extra };
}

export async function publishJobs(publisher: Publisher, jobs: readonly FetchJob[]): Promise<void> {
  await Promise.all(
    jobs.map((job) =>
      publisher.publishToStage('fetch', job, { messageId: job.id, traceparent: newTraceparent() }),
    ),
  );
}

export async function startWorld(options: WorldOptions = {}): Promise<FetcherWorld> {
  const broker = await useBroker();
  const demo = createDemoApi({ port: 0, ...options.demo });
  const { url: demoUrl, port } = await demo.start();
  const logger = testLogger('fetcher-test');
  const registry = createRegistry('fetcher-test', { defaultMetrics: false });
  const metrics = new MessagingMetrics(registry);
  const { connection, publisher } = await connectBroker(broker.amqpUrl, 'fetcher-test', logger, metrics);
  const fetcherOptions = resolveFetcherOptions({
    ...TEST_FETCHER_DEFAULTS,
    allowHosts: [`127.0.0.1:${port}`],
    ...options.fetcher,
  });
  const fetcher = new Fetcher(fetcherOptions, {
    registry,
    logger,
    publish: (record, job, delivery) =>
      publisher.publishToStage('transform', record, {
        messageId: job.id,
        traceparent: childTraceparent(delivery.traceparent),
      }),
    publishFound: (job) =>
      publisher.publishToStage('fetch', job, { messageId: job.id, traceparent: newTraceparent() }),
  });
  const consumer = new Consumer(
    connection,
    publisher,
    {
      stage: 'fetch',
      schema: FetchJobSchema,
      prefetch: prefetchForConcurrency(fetcherOptions),
      maxAttempts: fetcherOptions.maxAttempts,
      backoff: { baseMs: fetcherOptions.backoffBaseMs, maxMs: fetcherOptions.backoffMaxMs },
      logger,
      metrics,
    },
    fetcher.handle,
  );
  consumer.start();

  const records: RawRecord[] = [];
  const dead: DeadLetter[] = [];
  const takeRecords = async () => {
    for (const m of await takeAll(broker.amqpUrl, 'transform.raw')) records.push(m.body as RawRecord);
    return [...records];
  };
  const takeDead = async () => {
    for (const m of await takeAll(broker.amqpUrl, 'fetch.dead')) {
      dead.push({ body: m.body as FetchJob, headers: m.headers });
    }
    return [...dead];
  };
  let closed: Promise<void> | undefined;
  return {
    broker,
    demo,
    demoUrl,
    fetcher,
    registry,
    connection,
    publisher,
    consumer,
    job: (path, extra) => jobFor(`${demoUrl}${path}`, extra),
    enqueue: (...jobs) => publishJobs(publisher, jobs),
    records: takeRecords,
    async waitForRecords(count, timeoutMs = 20_000) {
      await waitFor(async () => (await takeRecords()).length >= count, {
        timeoutMs,
        intervalMs: 100,
        what: `${count} records in transform.raw (have ${records.length})`,
      });
      return [...records];
    },
    deadLetters: takeDead,
    async waitForDeadLetters(count, timeoutMs = 20_000) {
      await waitFor(async () => (await takeDead()).length >= count, {
        timeoutMs,
        intervalMs: 100,
        what: `${count} dead letters in fetch.dead (have ${dead.length})`,
      });
      return [...dead];
    },
    attempts: (path) => demo.stats.attempts(path),
    metric: (name, labels) => registryMetric(registry, name, labels),
    close() {
      closed ??= (async () => {
        // The service's own shutdown order, from its phases rather than copied by hand.
        const lifecycle = new Lifecycle({ logger, gracePeriodMs: 30_000, exit: () => {} });
        lifecycle.add('close', 'broker-connection', () => connection.close());
        lifecycle.add('flush', 'publisher', () => publisher.close());
        lifecycle.add('close', 'fetcher', () => fetcher.close());
        lifecycle.add('settle', 'consumer', () => consumer.stop());
        lifecycle.add('stop-intake', 'fetcher', () => fetcher.drain());
        if ((await lifecycle.shutdown('test')) !== 0)
          throw new Error('the fetcher did not shut down cleanly');
        await demo.close();
        await broker[Symbol.asyncDispose]();
      })();
      return closed;
    },
  };
}

/** Ready messages in a queue of the world's vhost, asked of the broker itself. */
export function queueDepth(world: FetcherWorld, queue: string): Promise<number> {
  return countMessages(world.broker.amqpUrl, queue);
}
