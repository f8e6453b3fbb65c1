// Documents per second through the writer (broker → batches → bulk writes, source records, acks) against raw
// driver loops over the same documents in batches of the same size, on the same server, in one run, as ratios.
//
// Two passes over the same sources, each side in a database of its own created empty:
//   1. first ingestion: every source is new; the writer inserts their chunks (falling back to an upsert for a
//      chunk that exists). Measured against a raw loop of bulk upserts (the ceiling the 0.8 goal is set
//      against) and a raw loop of bulk inserts (the ceiling of what the writer actually sends).
//   2. re-ingestion: every source again, newer fetch, changed text; the writer upserts (and reads and rewrites
//      the source records). Measured against a raw loop of bulk upserts into a collection of the same size.
//
//   npm run bench:writer                 (AMQP_URL / MONGO_URL from the environment, as the integration tests)
//   BENCH_DOCUMENTS=5000 BENCH_ROUNDS=5 npm run bench:writer
//
// On FerretDB 1.x (SQLite) an upsert looks its document up with a scan of the collection, so both sides' upsert
// passes slow down as the collection grows: BENCH_DOCUMENTS defaults to 2,000 there (a few minutes for three
// rounds), 20,000 on MongoDB.
import {
  createLogger,
  createRegistry,
  HealthServer,
  Lifecycle,
  loadConfig,
  type ServiceContext,
  serviceSettings,
  waitFor,
} from '@tributary/core';
import type { Document, StoreMessage } from '@tributary/messaging';
import {
  type StoredDocument,
  startWriter,
  toStoredDocument,
  type WriterServiceSettings,
  writerServiceSettings,
} from '@tributary/writer';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import {
  connectPublisher,
  documentsMessage,
  publishStoreMessages,
  writerEnv,
} from '../integration/writer/harness.ts';
import { type TestDatabase, useBroker, useDatabase } from '../support/index.ts';

const PER_MESSAGE = Number(process.env.BENCH_DOCUMENTS_PER_MESSAGE ?? 10);
const BATCH = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TEXT = 'Tributary benchmark chunk text, about as long as a small paragraph of an article. '.repeat(12);
const FIRST_FETCH = '2026-01-01T00:00:00.000Z';
const SECOND_FETCH = '2026-01-02T00:00:00.000Z';

const logger = createLogger({ service: 'bench-writer', level: process.env.LOG_LEVEL ?? 'warn' });

function messagesFor(round: number, fetchedAt: string): StoreMessage[] {
  const count = Math.ceil(DOCUMENTS / PER_MESSAGE);
  return Array.from({ length: count }, (_, i) =>
    documentsMessage(`bench-${round}-${i}`, Math.min(PER_MESSAGE, DOCUMENTS - i * PER_MESSAGE), {
      fetchedAt,
      text: (chunk) => `${chunk} ${fetchedAt} ${TEXT}`,
    }),
  );
}

const documentsOf = (messages: StoreMessage[]): Document[] =>
  messages.flatMap((m) => (m.kind === 'documents' ? m.documents : []));

/** Updates per command, as the writer chooses them on this server (FerretDB stalls on 100 or more). */
async function opsPerCommand(database: TestDatabase): Promise<number> {
  const buildInfo = await database.db.admin().command({ buildInfo: 1 });
  return typeof buildInfo.ferretdbVersion === 'string' ? 50 : Number.POSITIVE_INFINITY;
}

/** A raw driver loop: unordered bulk writes of BATCH documents, one batch at a time, acknowledged by majority. */
async function rawLoop(
  collection: Collection<StoredDocument>,
  documents: Document[],
  mode: 'insert' | 'upsert',
  perCommand: number,
): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < documents.length; start += BATCH) {
    const ops = documents.slice(start, start + BATCH).map((d): AnyBulkWriteOperation<StoredDocument> => {
      const stored = toStoredDocument(d);
      return mode === 'insert'
        ? { insertOne: { document: stored } }
        : { replaceOne: { filter: { _id: stored._id }, replacement: stored, upsert: true } };
    });
    // Upserts in commands the size the writer uses on this server; inserts in one command, as the writer does.
    const size = mode === 'insert' ? ops.length : perCommand;
    for (let i = 0; i < ops.length; i += size) {
      await collection.bulkWrite(ops.slice(i, i + size), {
        ordered: false,
        writeConcern: { w: 'majority' },
      });
    }
  }
  return documents.length / ((performance.now() - started) / 1000);
}

interface Rates {
  rawUpsertFirst: number;
  rawInsertFirst: number;
  writerFirst: number;
  rawUpsertAgain: number;
  writerAgain: number;
}

async function rawSide(round: number, first: StoreMessage[], again: StoreMessage[]) {
  await using upserts = await useDatabase();
  await using inserts = await useDatabase();
  const perCommand = await opsPerCommand(upserts);
  const upsertCollection = upserts.db.collection<StoredDocument>('documents');
  const insertCollection = inserts.db.collection<StoredDocument>('documents');
  const rawUpsertFirst = await rawLoop(upsertCollection, documentsOf(first), 'upsert', perCommand);
  const rawInsertFirst = await rawLoop(insertCollection, documentsOf(first), 'insert', perCommand);
  // Re-ingestion into the collection the inserts filled, which holds the same documents.
  const rawUpsertAgain = await rawLoop(insertCollection, documentsOf(again), 'upsert', perCommand);
  for (const collection of [upsertCollection, insertCollection]) {
    const count = await collection.countDocuments();
    if (count !== DOCUMENTS)
      throw new Error(`round ${round}: a raw loop left ${count} of ${DOCUMENTS} documents`);
  }
  return { rawUpsertFirst, rawInsertFirst, rawUpsertAgain };
}

async function writerSide(first: StoreMessage[], again: StoreMessage[]) {
  await using broker = await useBroker();
  await using database = await useDatabase();
  const env = writerEnv(broker, database.mongoUrl, database.dbName, {
    WRITE_BATCH_SIZE: String(BATCH),
    WRITE_BATCH_MAX_MS: '200',
  });
  const config = loadConfig({ ...serviceSettings, ...writerServiceSettings }, env);
  const registry = createRegistry('bench-writer', { defaultMetrics: false });
  const lifecycle = new Lifecycle({ logger, gracePeriodMs: config.shutdownGracePeriodMs, exit: () => {} });
  const health = new HealthServer({ port: 0, host: '127.0.0.1', logger, metrics: registry });
  const ctx: ServiceContext<WriterServiceSettings> = { config, logger, registry, lifecycle, health };
  const service = await startWriter(ctx);
  if (!service) throw new Error('the writer did not start');
  const { connection, publisher } = await connectPublisher(broker.amqpUrl, logger);
  // Documents the writer has acknowledged as written (read from its metrics, not by polling the database).
  const written = async () => {
    const { values } = (await registry.getSingleMetric('tributary_writer_documents_total')?.get()) ?? {
      values: [],
    };
    return values.filter((v) => v.labels.result !== 'refused').reduce((sum, v) => sum + v.value, 0);
  };
  const pass = async (messages: StoreMessage[], target: number) => {
    const started = performance.now();
    await publishStoreMessages(publisher, messages);
    await waitFor(async () => (await written()) >= target, {
      timeoutMs: 3_600_000,
      intervalMs: 20,
      what: `${target} documents through the writer`,
    });
    return DOCUMENTS / ((performance.now() - started) / 1000);
  };
  try {
    const writerFirst = await pass(first, DOCUMENTS);
    const writerAgain = await pass(again, 2 * DOCUMENTS);
    const documents = database.db.collection<StoredDocument>('documents');
    const current = await documents.countDocuments({ fetchedAt: new Date(SECOND_FETCH) });
    if (current !== DOCUMENTS)
      throw new Error(`the writer holds ${current} re-ingested documents of ${DOCUMENTS}`);
    return { writerFirst, writerAgain };
  } finally {
    await lifecycle.shutdown('bench done');
    await publisher.close();
    await connection.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const server = await (async () => {
  await using probe = await useDatabase();
  const buildInfo = await probe.db.admin().command({ buildInfo: 1 });
  const ferretdb = typeof buildInfo.ferretdbVersion === 'string';
  return {
    ferretdb,
    name: ferretdb ? `FerretDB ${buildInfo.ferretdbVersion}` : `MongoDB ${buildInfo.version}`,
  };
})();
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? (server.ferretdb ? 2_000 : 20_000));
console.log(
  `${server.name}: ${DOCUMENTS} documents in messages of ${PER_MESSAGE}, batches of ${BATCH}, ${ROUNDS} round(s)`,
);
const rounds: Rates[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const first = messagesFor(round, FIRST_FETCH);
  const again = messagesFor(round, SECOND_FETCH);
  const raw = await rawSide(round, first, again);
  const writer = await writerSide(first, again);
  const rates = { ...raw, ...writer };
  rounds.push(rates);
  console.log(
    `round ${round + 1}: first ingestion: raw upserts ${rates.rawUpsertFirst.toFixed(0)}, raw inserts ` +
      `${rates.rawInsertFirst.toFixed(0)}, writer ${rates.writerFirst.toFixed(0)} docs/s; re-ingestion: raw ` +
      `upserts ${rates.rawUpsertAgain.toFixed(0)}, writer ${rates.writerAgain.toFixed(0)} docs/s`,
  );
}
const m = (key: keyof Rates) => median(rounds.map((r) => r[key]));
const line = (label: string, value: number) =>
  console.log(`${label.padEnd(44)} ${value.toFixed(0).padStart(8)} docs/s`);
console.log(`\nmedians of ${ROUNDS} round(s)`);
line('first ingestion, raw driver bulk upserts', m('rawUpsertFirst'));
line('first ingestion, raw driver bulk inserts', m('rawInsertFirst'));
line('first ingestion, through the writer', m('writerFirst'));
line('re-ingestion, raw driver bulk upserts', m('rawUpsertAgain'));
line('re-ingestion, through the writer', m('writerAgain'));
console.log(
  `\nratio writer/raw upserts, first ingestion: ${(m('writerFirst') / m('rawUpsertFirst')).toFixed(2)} (goal ≥ 0.80)`,
);
console.log(
  `ratio writer/raw inserts, first ingestion: ${(m('writerFirst') / m('rawInsertFirst')).toFixed(2)}`,
);
console.log(
  `ratio writer/raw upserts, re-ingestion:    ${(m('writerAgain') / m('rawUpsertAgain')).toFixed(2)} (goal ≥ 0.80)`,
);
