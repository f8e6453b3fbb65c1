// How a benchmark runs the whole system: its own broker vhost and database, every process started by the launcher
// users run (`LocalSystem`: demo API, fetcher, transformer, writer), jobs published as `tributary enqueue` would,
// the clock from the first publish to the last source stored, and the CPU and memory of every process meanwhile.
import { LocalSystem, type ProcessInfo } from '@tributary/cli';
import {
  BATCH_COLLECTIONS,
  type FetchJob,
  newTraceparent,
  type RawRecord,
  type Stage,
  type StoreMessage,
  topologyNames,
} from '@tributary/contracts';
import { createLogger, loadConfig } from '@tributary/core';
import { BrokerConnection, messagingSettings, Publisher } from '@tributary/messaging';
import { writerSettings } from '@tributary/writer';
import { metricValue } from '../integration/transformer/harness.ts';
import { type TestDatabase, useBroker, useDatabase } from '../support/index.ts';
import { freePortRange } from '../support/ports.ts';
import { waitFor } from '../support/wait-for.ts';
import { pidListeningOn } from './proc-stat.ts';
import {
  type ProcessRoot,
  ProcessUsageMeter,
  type SharedServer,
  type UsageReport,
  type UsageTargets,
} from './process-usage.ts';

export interface BenchSystemOptions {
  /** Settings of every process (FETCH_*, TRANSFORM_*, DEMO_*…), over this process's environment. */
  settings: Readonly<Record<string, string>>;
  transformWorkers: number;
}

export interface PipelineRun {
  /** From the first publish to the last source stored. */
  seconds: number;
  sources: number;
  /** Chunk documents stored. */
  documents: number;
  /** Batch records of the jobs (one per job that carried a batch). */
  batchJobs: number;
  /** Undefined without /proc. */
  usage: UsageReport | undefined;
}

/** The label of the benchmark's own process while the pipeline runs: it publishes the jobs. */
export const PUBLISHER_LABEL = 'publisher';
export const BROKER_LABEL = 'broker';
export const DATABASE_LABEL = 'database';

/** The message each stage's queue carries, and the id it is published under (as each stage's publisher does). */
interface StageMessages {
  fetch: FetchJob;
  transform: RawRecord;
  embed: StoreMessage;
  store: StoreMessage;
}
const MESSAGE_ID: { [S in Stage]: (message: StageMessages[S]) => string } = {
  fetch: (job) => job.id,
  transform: (record) => record.jobId,
  embed: (message) => message.source.jobId,
  store: (message) => message.source.jobId,
};

const logger = createLogger({ service: 'bench-system', level: 'silent' });
const SOURCES_WRITTEN = 'tributary_writer_sources_written_total';
const POLL_MS = 250;

/**
 * One running system for a benchmark; `await using system = await BenchSystem.start(…)` stops everything and
 * deletes the vhost and the database at the end.
 */
export class BenchSystem implements AsyncDisposable {
  /** The demo API's base URL, `http://127.0.0.1:<port>`. */
  readonly demoUrl: string;
  /** The environment every service was started with: what a settings reader (`loadConfig`) would see there. */
  readonly env: NodeJS.ProcessEnv;
  /** The system's database (on the shared server), dropped with the system. */
  readonly database: TestDatabase;
  readonly #system: LocalSystem;
  readonly #publisher: Publisher;
  readonly #servers: readonly SharedServer[];
  readonly #resources: AsyncDisposableStack;

  private constructor(parts: {
    demoUrl: string;
    env: NodeJS.ProcessEnv;
    database: TestDatabase;
    system: LocalSystem;
    publisher: Publisher;
    servers: readonly SharedServer[];
    resources: AsyncDisposableStack;
  }) {
    this.demoUrl = parts.demoUrl;
    this.env = parts.env;
    this.database = parts.database;
    this.#system = parts.system;
    this.#publisher = parts.publisher;
    this.#servers = parts.servers;
    this.#resources = parts.resources;
  }

  static async start(options: BenchSystemOptions): Promise<BenchSystem> {
    await using resources = new AsyncDisposableStack();
    const broker = resources.use(await useBroker());
    const database = resources.use(await useDatabase());
    const httpPortBase = await freePortRange(4);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...options.settings,
      AMQP_URL: broker.amqpUrl,
      RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
      MONGO_URL: database.mongoUrl,
      MONGO_DB: database.dbName,
    };
    const system = new LocalSystem({
      env,
      transformWorkers: options.transformWorkers,
      httpPortBase,
      demoPort: httpPortBase + 3,
      restart: false,
    });
    resources.defer(async () => {
      await system.stop();
    });
    await system.start();
    const demoUrl = system.demoApiUrl;
    if (demoUrl === undefined) throw new Error('the launcher started no demo API');

    // The same topology options the services read from the same environment, so the declarations agree.
    const messaging = loadConfig(messagingSettings, env);
    const connection = new BrokerConnection({
      urls: [broker.amqpUrl],
      name: 'bench-publisher',
      logger,
      topology: {
        names: topologyNames(messaging.topologyPrefix),
        delayBucketsMs: messaging.delayBucketsMs,
        maxLength: messaging.queueMaxLength,
        deliveryLimit: messaging.deliveryLimit,
      },
    });
    connection.start();
    resources.defer(() => connection.close());
    await connection.waitForConnect(15_000);
    const publisher = new Publisher(connection, { logger, maxUnconfirmed: messaging.maxUnconfirmed });
    publisher.start();
    resources.defer(() => publisher.close());

    return new BenchSystem({
      demoUrl,
      env,
      database,
      system,
      publisher,
      servers: [
        { label: BROKER_LABEL, port: portOf(broker.amqpUrl, 5672) },
        { label: DATABASE_LABEL, port: portOf(database.mongoUrl, 27017) },
      ],
      resources: resources.move(),
    });
  }

  /**
   * What to measure: each service (its replicas and a transformer's workers under one label), the demo API, the
   * broker and the database when they run on this machine, and this process under `selfLabel`; and who else uses
   * the broker and the database meanwhile.
   */
  usageTargets(selfLabel: string): UsageTargets {
    const services = this.processes().flatMap((info) =>
      info.pid === undefined ? [] : [{ label: info.service, pid: info.pid }],
    );
    // Found by the ports the services use, since other brokers and databases (a test's own) may run here too.
    const servers = this.#servers.flatMap(({ label, port }): ProcessRoot[] => {
      const pid = pidListeningOn(port);
      return pid === undefined ? [] : [{ label, pid }];
    });
    return {
      roots: [...services, ...servers, { label: selfLabel, pid: process.pid }],
      sharedServers: this.#servers,
    };
  }

  /** The launcher's processes (demo API and each service replica) with their pids and metrics URLs. */
  processes(): ProcessInfo[] {
    return this.#system.processes();
  }

  /** Publishes one job to the fetch stage, as `tributary enqueue` does; resolves once the broker confirmed it. */
  publish(job: FetchJob): Promise<void> {
    return this.publishToStage('fetch', job);
  }

  /** Publishes a stage's message straight to its queue (a backlog for the transformer or the writer). */
  publishToStage<S extends Stage>(stage: S, message: StageMessages[S]): Promise<void> {
    return this.#publisher.publishToStage(stage, message, {
      messageId: MESSAGE_ID[stage](message),
      traceparent: newTraceparent(),
    });
  }

  /** Sources in the writer's collection now. */
  sourcesStored(): Promise<number> {
    return this.database.db.collection(this.#collections().sources).countDocuments();
  }

  /**
   * Publishes `jobs` and waits until each one's source is stored; measures from the first publish to the last
   * source, and the CPU of every process meanwhile.
   */
  async run(jobs: readonly FetchJob[], options: { timeoutMs: number }): Promise<PipelineRun> {
    const writers = this.processes().filter((info) => info.service === 'writer');
    const before = await sourcesWritten(writers);
    const meter = new ProcessUsageMeter(this.usageTargets(PUBLISHER_LABEL));
    meter.start();
    const started = performance.now();
    let usage: UsageReport | undefined;
    try {
      await Promise.all(jobs.map((job) => this.publish(job)));
      // The writer's own count rather than counting the collection: a count every 250 ms would be work the
      // database does for the benchmark alone (FerretDB counts by scanning), and the measured CPU would carry it.
      await waitFor(async () => (await sourcesWritten(writers)) - before >= jobs.length, {
        timeoutMs: options.timeoutMs,
        intervalMs: POLL_MS,
        what: `the writer to store ${jobs.length} sources`,
      });
    } finally {
      usage = meter.stop();
    }
    const seconds = (performance.now() - started) / 1_000;
    const counts = await this.#counts();
    // The writer counts a source once the database acknowledged it; the database must agree.
    if (counts.sources < jobs.length) {
      throw new Error(
        `the writer reported ${jobs.length} sources stored, the database holds ${counts.sources}`,
      );
    }
    return { seconds, ...counts, usage };
  }

  async #counts(): Promise<Omit<PipelineRun, 'seconds' | 'usage'>> {
    const { db } = this.database;
    const names = this.#collections();
    return {
      sources: await this.sourcesStored(),
      documents: await db.collection(names.documents).countDocuments(),
      batchJobs: await db.collection(BATCH_COLLECTIONS.jobs).countDocuments(),
    };
  }

  #collections(): { documents: string; sources: string } {
    const config = loadConfig(writerSettings, this.env);
    return { documents: config.documentsCollection, sources: config.sourcesCollection };
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#resources.disposeAsync();
  }
}

/** The port of a server URL's first host. */
function portOf(url: string, defaultPort: number): number {
  const firstHost = url.replace(/^[a-z+]+:\/\/([^@/]*@)?/, '').split(/[,/?]/)[0] ?? '';
  const port = /:(\d+)$/.exec(firstHost)?.[1];
  return port === undefined ? defaultPort : Number(port);
}

async function sourcesWritten(writers: readonly ProcessInfo[]): Promise<number> {
  const counts = await Promise.all(
    writers.map(async (writer) => {
      const response = await fetch(writer.metricsUrl);
      return metricValue(await response.text(), SOURCES_WRITTEN, { kind: 'content' });
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
