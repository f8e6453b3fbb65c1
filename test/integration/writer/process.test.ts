import { once } from 'node:events';
import { documentIdFor, type StoreMessage } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { DOCUMENT_INDEXES } from '@tributary/writer';
import { afterEach, describe, expect, it } from 'vitest';
import {
  countMessages,
  type ServiceProcess,
  ServiceProcesses,
  type TestBroker,
  type TestDatabase,
  useBroker,
  useDatabase,
} from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  connectPublisher,
  documentsMessage,
  freePort,
  publishStoreMessages,
  secondaryIndexNames,
  serverKind,
  writerEnv,
} from './harness.ts';

let broker: TestBroker | undefined;
let database: TestDatabase | undefined;
const processes = new ServiceProcesses();

afterEach(async () => {
  await processes.killAll();
  await broker?.[Symbol.asyncDispose]();
  await database?.[Symbol.asyncDispose]();
  broker = undefined;
  database = undefined;
});

/** `node services/writer/src/main.ts`, as deployed, with the given environment; output is collected. */
function startWriterProcess(env: Record<string, string>): ServiceProcess {
  return processes.start('writer', { LOG_LEVEL: 'info', ...env });
}

/** A writer process on an HTTP port of its own (known before it starts), and that port. */
interface WriterProcess {
  process: ServiceProcess;
  port: number;
}

/** Starts a writer on a port chosen here, so that `/readyz` can be asked even when the start never ends. */
async function startWriterOnPort(env: Record<string, string>): Promise<WriterProcess> {
  const port = await freePort();
  return { process: startWriterProcess({ ...env, HTTP_PORT: String(port) }), port };
}

async function readyzStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

async function waitUntilReady(writer: WriterProcess): Promise<void> {
  let status = 0;
  try {
    await waitFor(
      async () => {
        status = await readyzStatus(writer.port);
        return status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: '/readyz 200 from the writer' },
    );
  } catch (err) {
    throw new Error(`last status ${status}; output: ${writer.process.output().slice(-3_000)}`, {
      cause: err,
    });
  }
}

/** The sum of a metric's series, every label value included. */
async function scrapeTotal(port: number, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric} `) || l.startsWith(`${metric}{`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function publish(amqpUrl: string, messages: readonly StoreMessage[]): Promise<void> {
  const logger = createLogger({ service: 'writer-test', level: 'silent' });
  const { connection, publisher } = await connectPublisher(amqpUrl, logger);
  try {
    await publishStoreMessages(publisher, messages);
  } finally {
    await publisher.close();
    await connection.close();
  }
}

/** The `_id`s of every chunk of the given messages' sources, as the writer must have stored them. */
function idsOf(messages: readonly StoreMessage[]): string[] {
  return messages
    .flatMap((m) =>
      m.kind === 'documents' ? m.documents.map((d) => documentIdFor(d.jobId, d.chunkIndex)) : [],
    )
    .sort();
}

async function scrape(port: number, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `) || l.startsWith(`${metric}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('writer process', () => {
  it('on SIGTERM writes the partial batch at once, acks it, and exits 0', async () => {
    broker = await useBroker();
    database = await useDatabase();
    const writer = startWriterProcess(
      writerEnv(broker, database.mongoUrl, database.dbName, {
        WRITE_BATCH_SIZE: '1000',
        WRITE_BATCH_MAX_MS: '600000',
      }),
    );
    let port = 0;
    await waitFor(
      () => {
        const started = writer.logLines().find((line) => line.msg === 'started');
        port = typeof started?.port === 'number' ? started.port : 0;
        return port > 0;
      },
      { timeoutMs: 30_000, what: `the writer to start (output: ${writer.stdout()}${writer.stderr()})` },
    );

    const logger = createLogger({ service: 'writer-test', level: 'silent' });
    const { connection, publisher } = await connectPublisher(broker.amqpUrl, logger);
    const messages = ['a', 'b', 'c'].map((job) => documentsMessage(`sigterm-${job}`, 4));
    await publishStoreMessages(publisher, messages);
    await publisher.close();
    await connection.close();
    // The three messages are with the writer, in a batch far from full and far from old.
    await waitFor(async () => (await scrape(port, 'tributary_writer_pending_documents')) === 12, {
      timeoutMs: 15_000,
      what: '12 documents waiting in the writer',
    });
    const documents = database.db.collection('documents');
    expect(await documents.countDocuments()).toBe(0);

    const started = performance.now();
    writer.child.kill('SIGTERM');
    const [code] = (await once(writer.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await documents.countDocuments()).toBe(12);
    expect(await database.db.collection('sources').countDocuments()).toBe(3);
    // Acked: nothing went back to the queue when the connection closed.
    expect(await countMessages(broker.amqpUrl, 'store.docs')).toBe(0);
    expect(await countMessages(broker.amqpUrl, 'store.dead')).toBe(0);
    const closed = writer.logLines().find((line) => line.msg === 'shutdown complete');
    expect(closed).toMatchObject({ failed: false });
  });

  it('refuses to start with an invalid setting, naming it, with exit code 2', async () => {
    const writer = startWriterProcess({
      WRITE_BATCH_SIZE: 'plenty',
      WRITE_CONCERN: '0',
      MONGO_URL: 'mongodb://127.0.0.1:1/',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
    });
    const [code] = (await once(writer.child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(writer.stderr()).toContain('WRITE_BATCH_SIZE must be an integer 1..100000, got "plenty"');
    expect(writer.stderr()).toContain('WRITE_CONCERN must be majority or an integer 1..50, got "0"');
  });
});

describe('writer process restarted on the database it initialised', () => {
  it('becomes ready and writes again after a SIGTERM, and again after a SIGKILL', async () => {
    broker = await useBroker();
    database = await useDatabase();
    const env = writerEnv(broker, database.mongoUrl, database.dbName, { WRITE_BATCH_MAX_MS: '50' });
    const documents = database.db.collection('documents');
    const v1 = ['a', 'b', 'c'].map((job) => documentsMessage(`restart-${job}`, 4));

    const first = await startWriterOnPort(env);
    await waitUntilReady(first);
    await publish(broker.amqpUrl, v1);
    await waitFor(async () => (await documents.countDocuments()) === 12, { timeoutMs: 15_000 });
    first.process.child.kill('SIGTERM');
    const [code] = (await once(first.process.child, 'exit')) as [number | null];
    expect(code).toBe(0);

    // The database now holds the collections and indexes the first writer created, and its data.
    const second = await startWriterOnPort(env);
    await waitUntilReady(second);
    // New sources, a replay, and a known source with fewer chunks than stored.
    const v2 = [
      documentsMessage('restart-d', 4),
      v1[1] ?? documentsMessage('restart-b', 4),
      documentsMessage('restart-c', 2, { fetchedAt: '2026-01-02T00:00:00.000Z' }),
    ];
    await publish(broker.amqpUrl, v2);
    await waitFor(async () => (await database?.db.collection('sources').countDocuments()) === 4, {
      timeoutMs: 15_000,
      what: 'four source records',
    });
    await waitFor(async () => (await documents.countDocuments()) === 14, {
      timeoutMs: 15_000,
      what: '14 documents after the second writer',
    });
    second.process.child.kill('SIGKILL');
    await once(second.process.child, 'exit');

    const third = await startWriterOnPort(env);
    await waitUntilReady(third);
    const v3 = [documentsMessage('restart-e', 3)];
    await publish(broker.amqpUrl, v3);
    await waitFor(async () => (await documents.countDocuments()) === 17, {
      timeoutMs: 15_000,
      what: '17 documents after the third writer',
    });
    const expected = idsOf([v1[0], v1[1], v2[0], v2[2], v3[0]].filter((m) => m !== undefined));
    const stored = (await documents.find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
    expect(stored.sort()).toEqual(expected);
    expect(
      await database.db.collection<{ _id: string }>('sources').findOne({ _id: 'restart-c' }),
    ).toMatchObject({
      chunkCount: 2,
    });
    expect(third.process.output()).not.toContain('MongoNetworkError');
  });

  it.each([
    { database: 'an initialised', initialised: true },
    { database: 'a new', initialised: false },
  ])(
    'starts two writers at once on $database database; both become ready and both write',
    async ({ initialised }) => {
      broker = await useBroker();
      database = await useDatabase();
      const env = writerEnv(broker, database.mongoUrl, database.dbName, {
        WRITE_BATCH_MAX_MS: '50',
        WRITER_PREFETCH: '2',
      });
      const documents = database.db.collection('documents');

      if (initialised) {
        const initialiser = await startWriterOnPort(env);
        await waitUntilReady(initialiser);
        initialiser.process.child.kill('SIGTERM');
        await once(initialiser.process.child, 'exit');
      }

      const replicas = await Promise.all([startWriterOnPort(env), startWriterOnPort(env)]);
      await Promise.all(replicas.map(waitUntilReady));
      const messages = Array.from({ length: 40 }, (_, i) => documentsMessage(`replica-${i}`, 3));
      await publish(broker.amqpUrl, messages);
      await waitFor(async () => (await documents.countDocuments()) === 120, {
        timeoutMs: 30_000,
        what: '120 documents written by the two writers',
      });
      for (const replica of replicas) {
        expect(await scrapeTotal(replica.port, 'tributary_writer_documents_total')).toBeGreaterThan(0);
        expect(await readyzStatus(replica.port)).toBe(200);
      }
      // Every index the writer creates on this server, once (none beyond _id on FerretDB on SQLite).
      const kind = await serverKind(database.db, 'documents');
      expect(await secondaryIndexNames(documents)).toEqual(
        kind === 'ferretdb-sqlite' ? [] : DOCUMENT_INDEXES.map((index) => index.name).sort(),
      );
    },
  );
});
