import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { documentIdFor } from '@tributary/contracts';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { countMessages } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { documentsMessage, freePort, startWriterWorld, type WriterWorld } from './harness.ts';

const execFileAsync = promisify(execFile);
const FERRETDB_SCRIPT = fileURLToPath(new URL('../../../infra/local/ferretdb.sh', import.meta.url));

interface OwnFerretDB {
  mongoUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A FerretDB of this test's own, so that stopping it disturbs no other test: the binary and the way of running
 * it of infra/local/ferretdb.sh (which the script resolves, builds when missing, and waits on), on a free
 * loopback port, with a state directory of its own. `stop` and `start` keep its data, as a database restart does.
 */
async function startOwnFerretDB(): Promise<OwnFerretDB> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-writer-ferretdb-'));
  const port = await freePort();
  const env = { ...process.env, TRIBUTARY_FERRETDB_DIR: dir, TRIBUTARY_MONGO_PORT: String(port) };
  const run = async (action: 'start' | 'stop') => {
    await execFileAsync('bash', [FERRETDB_SCRIPT, action], { env, timeout: 180_000 });
  };
  await run('start');
  return {
    mongoUrl: `mongodb://127.0.0.1:${port}/`,
    stop: () => run('stop'),
    start: () => run('start'),
    async dispose() {
      try {
        await run('stop');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

let world: WriterWorld | undefined;
let ferret: OwnFerretDB | undefined;
let client: MongoClient | undefined;

afterEach(async () => {
  await world?.close();
  await client?.close();
  await ferret?.dispose();
  world = undefined;
  client = undefined;
  ferret = undefined;
});

describe('writer riding out a database outage', () => {
  it('stops taking messages while the database is down, and writes every document exactly once after', async () => {
    ferret = await startOwnFerretDB();
    client = new MongoClient(ferret.mongoUrl, { serverSelectionTimeoutMS: 10_000 });
    const dbName = 'writer_outage';
    const db = client.db(dbName);
    world = await startWriterWorld({
      database: { mongoUrl: ferret.mongoUrl, db, dbName, dispose: async () => {} },
      env: {
        WRITE_BATCH_SIZE: '50',
        WRITE_BATCH_MAX_MS: '50',
        WRITER_PREFETCH: '20',
        MONGO_SERVER_SELECTION_TIMEOUT_MS: '1000',
        WRITE_RETRY_BASE_MS: '100',
        WRITE_RETRY_MAX_MS: '500',
      },
    });
    const w = world;
    const messages = Array.from({ length: 120 }, (_, i) => documentsMessage(`outage-${i}`, 5));
    const mongoReady = () => w.readiness.report().checks.mongodb?.ready;

    await w.publish(...messages.slice(0, 40));
    await waitFor(async () => (await w.documents.countDocuments()) >= 100, {
      timeoutMs: 30_000,
      what: 'the first documents',
    });

    await ferret.stop();
    const rest = w.publish(...messages.slice(40));
    await waitFor(() => mongoReady() === false, { timeoutMs: 15_000, what: 'readiness to turn false' });
    await rest;
    // Down: the handlers wait on the failing batch, the prefetch is full, and the rest stays in the queue
    // through several more failed attempts.
    const failed = async () =>
      (await w.metric('tributary_writer_failures_total', { reason: 'unreachable' })) +
      (await w.metric('tributary_writer_failures_total', { reason: 'timeout' }));
    await waitFor(() => w.service.consumer.inFlight === 20, {
      timeoutMs: 10_000,
      what: 'the prefetch to fill',
    });
    const queued = await countMessages(w.broker.amqpUrl, 'store.docs');
    const failedSoFar = await failed();
    expect(queued).toBeGreaterThan(0);
    await waitFor(async () => (await failed()) >= failedSoFar + 2, {
      timeoutMs: 15_000,
      what: 'more attempts',
    });
    expect(await countMessages(w.broker.amqpUrl, 'store.docs')).toBe(queued);
    expect(mongoReady()).toBe(false);

    await ferret.start();
    await w.waitForDocuments(600, 60_000);
    await waitFor(() => mongoReady() === true, { timeoutMs: 15_000, what: 'readiness to come back' });

    const ids = await w.documents.find({}, { projection: { _id: 1 } }).toArray();
    const expected = messages.flatMap((m) =>
      m.documents.map((d) => documentIdFor(m.source.jobId, d.chunkIndex)),
    );
    expect(ids.map((d) => d._id).sort()).toEqual(expected.sort());
    expect(await w.sources.countDocuments()).toBe(120);
    expect(await countMessages(w.broker.amqpUrl, 'store.docs')).toBe(0);
    expect(await countMessages(w.broker.amqpUrl, 'store.dead')).toBe(0);
  });

  it('started while the database is down, becomes ready once it is up and writes what waited', async () => {
    ferret = await startOwnFerretDB();
    const down = ferret;
    client = new MongoClient(down.mongoUrl, { serverSelectionTimeoutMS: 10_000 });
    const dbName = 'writer_start_outage';
    await down.stop();
    const starting = startWriterWorld({
      database: { mongoUrl: down.mongoUrl, db: client.db(dbName), dbName, dispose: async () => {} },
      env: {
        MONGO_SERVER_SELECTION_TIMEOUT_MS: '500',
        WRITE_RETRY_BASE_MS: '100',
        WRITE_RETRY_MAX_MS: '500',
      },
    });
    // Several failed attempts at start before the database comes back.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await down.start();
    world = await Promise.race([
      starting,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the writer did not start within 30 s of the database')), 30_000),
      ),
    ]);
    const message = documentsMessage('after-start-outage', 3);
    await world.publish(message);
    await world.waitForDocuments(3, 30_000);
    expect(world.readiness.report().checks.mongodb?.ready).toBe(true);
  });
});
