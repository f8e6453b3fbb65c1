import { LocalSystem, type LocalSystemOptions } from '@tributary/cli';
import { type Db, MongoClient } from 'mongodb';
import { type CliResult, runCli } from './cli.ts';
import { freePortRange } from './ports.ts';
import { type TestBroker, type TestDatabase, useBroker, useDatabase } from './services.ts';

/** Servers a pipeline runs on when it must not share them (a chaos run restarts and stops them). */
export interface OwnServers {
  amqpUrl: string;
  managementUrl: string;
  mongoUrl: string;
  dbName: string;
}

export interface TestPipelineOptions {
  fetchers?: number;
  transformers?: number;
  /** The optional embed stage; 0 (default) runs none. */
  embedders?: number;
  writers?: number;
  transformWorkers?: number;
  /** Settings for every process, over the defaults below. */
  env?: Record<string, string>;
  /** Without them: a vhost and a database of its own on the test servers, removed on stop. */
  servers?: OwnServers;
  restart?: LocalSystemOptions['restart'];
  /** Loopback addresses the demo API is fetched at besides 127.0.0.1, each a host of its own to the fetcher. */
  extraDemoHosts?: readonly string[];
}

/**
 * The whole pipeline as users run it (the launcher of `tributary up`: demo API, fetchers, transformers and
 * writers, each a process of its own), for whole-system tests, plus the `tributary` command pointed at it.
 *
 * ```ts
 * const pipeline = await TestPipeline.start({ transformWorkers: 2 });
 * await pipeline.cli(['enqueue', '-', '--batch', 'b1'], { stdin: lines.join('\n') });
 * await pipeline.stop();
 * ```
 */
export class TestPipeline {
  readonly system: LocalSystem;
  /** `http://127.0.0.1:PORT`. */
  readonly demoUrl: string;
  readonly demoPort: number;
  /** The environment that points `tributary` at this pipeline's broker and database. */
  readonly cliEnv: Record<string, string>;
  #client: MongoClient;
  readonly #mongoUrl: string;
  readonly #dbName: string;
  readonly #broker: TestBroker | undefined;
  readonly #database: TestDatabase | undefined;
  readonly #output: string[];

  private constructor(parts: {
    system: LocalSystem;
    client: MongoClient;
    mongoUrl: string;
    dbName: string;
    demoPort: number;
    cliEnv: Record<string, string>;
    broker: TestBroker | undefined;
    database: TestDatabase | undefined;
    output: string[];
  }) {
    this.system = parts.system;
    this.#client = parts.client;
    this.#mongoUrl = parts.mongoUrl;
    this.#dbName = parts.dbName;
    this.demoPort = parts.demoPort;
    this.demoUrl = `http://127.0.0.1:${parts.demoPort}`;
    this.cliEnv = parts.cliEnv;
    this.#broker = parts.broker;
    this.#database = parts.database;
    this.#output = parts.output;
  }

  static async start(options: TestPipelineOptions = {}): Promise<TestPipeline> {
    const broker = options.servers ? undefined : await useBroker();
    const database = options.servers ? undefined : await useDatabase();
    const servers: OwnServers = options.servers ?? {
      amqpUrl: (broker as TestBroker).amqpUrl,
      managementUrl: (broker as TestBroker).managementUrl,
      mongoUrl: (database as TestDatabase).mongoUrl,
      dbName: (database as TestDatabase).dbName,
    };
    const fetchers = options.fetchers ?? 1;
    const transformers = options.transformers ?? 1;
    const writers = options.writers ?? 1;
    const embedders = options.embedders ?? 0;
    const httpPortBase = await freePortRange(fetchers + transformers + embedders + writers + 1);
    const demoPort = httpPortBase + fetchers + transformers + embedders + writers;
    const extraHosts = (options.extraDemoHosts ?? []).map((host) => `${host}:${demoPort}`);
    const output: string[] = [];
    const connection = {
      AMQP_URL: servers.amqpUrl,
      RABBITMQ_MANAGEMENT_URL: servers.managementUrl,
      MONGO_URL: servers.mongoUrl,
      MONGO_DB: servers.dbName,
    };
    const system = new LocalSystem({
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        // Several loopback addresses reach the demo API only when it binds them all.
        ...(extraHosts.length > 0 ? { DEMO_HOST: '0.0.0.0', FETCH_ALLOW_HOSTS: extraHosts.join(',') } : {}),
        ...options.env,
        ...connection,
      },
      fetchers,
      transformers,
      embedders,
      writers,
      transformWorkers: options.transformWorkers,
      httpPortBase,
      demoPort,
      readyTimeoutMs: 90_000,
      gracePeriodMs: 30_000,
      ...(options.restart === undefined ? {} : { restart: options.restart }),
      onLine: (name, line) => {
        output.push(`${name} ${line}`);
        if (output.length > 4_000) output.splice(0, 2_000);
      },
    });
    const client = newClient(servers.mongoUrl);
    try {
      await system.start();
      await client.connect();
    } catch (error) {
      await client.close();
      await broker?.[Symbol.asyncDispose]();
      await database?.[Symbol.asyncDispose]();
      throw error;
    }
    return new TestPipeline({
      system,
      client,
      mongoUrl: servers.mongoUrl,
      dbName: servers.dbName,
      demoPort,
      // The command reads the services' variables too (a queue declared with other arguments is refused).
      cliEnv: { ...options.env, ...connection, LOG_LEVEL: 'silent' },
      broker,
      database,
      output,
    });
  }

  /** The pipeline's database, as the test reads it. */
  get db(): Db {
    return this.#client.db(this.#dbName);
  }

  /**
   * Replaces the test's database client with a new one. After a chaos run's database outage, this client once
   * answered no count again for minutes while a new client counted at once (driver 7.9 on FerretDB; the cause is
   * not known): a test that finds its reads unanswered renews the client instead of waiting on it.
   */
  async renewDatabaseClient(): Promise<void> {
    const client = newClient(this.#mongoUrl);
    await client.connect();
    const old = this.#client;
    this.#client = client;
    // Not awaited: the old client's operations may never end.
    void old.close().catch(() => {});
  }

  /** Runs `tributary ARGS…` against this pipeline, as a user would. */
  cli(args: readonly string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<CliResult> {
    return runCli(args, this.cliEnv, options);
  }

  /** The processes' last output lines, for a failure message. */
  lastLines(count = 80): string {
    return this.#output.slice(-count).join('\n');
  }

  async stop(): Promise<void> {
    await this.system.stop();
    await this.#client.close();
    await this.#broker?.[Symbol.asyncDispose]();
    await this.#database?.[Symbol.asyncDispose]();
  }
}

function newClient(mongoUrl: string): MongoClient {
  return new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 60_000 });
}
