import { once } from 'node:events';
import { createLogger, waitFor } from '@tributary/core';
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
import { connectPublisher, documentsMessage, publishStoreMessages, writerEnv } from './harness.ts';

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
