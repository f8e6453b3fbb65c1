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
// Then first ingestion into a store that already holds many sources (10,000 and 100,000 by default, each with
// one chunk, inserted raw beforehand): the writer against a raw loop of bulk inserts into the same database, and
// the writer's rate at the largest size against the smallest (goal ≥ 0.8: the cost of storing a new source must
// not grow with the store).
//
//   npm run bench:writer                 (AMQP_URL / MONGO_URL from the environment, as the integration tests)
//   BENCH_DOCUMENTS=5000 BENCH_ROUNDS=5 npm run bench:writer
//   BENCH_ROUNDS=0 BENCH_STORED_SOURCES=10000,100000 BENCH_SIZED_DOCUMENTS=10000 npm run bench:writer
//
// On FerretDB 1.x (SQLite) every upsert, update and delete scans the collection (the writer's README section
// says why), so both sides' re-ingestion passes slow down as the collection grows: BENCH_DOCUMENTS defaults to
// 2,000 there (a few minutes for three rounds), 20,000 on MongoDB. bench:writer-store-size measures each of the
// writer's kinds of write against the size of the store.
import type { StoreMessage } from '@tributary/contracts';
import type { StoredDocument } from '@tributary/writer';
import { type TestBroker, type TestDatabase, useBroker, useDatabase } from '../support/index.ts';
import {
  benchWriter,
  documentsOf,
  FIRST_FETCH,
  messagesFor,
  opsPerCommand,
  prefill,
  rawLoop,
  SECOND_FETCH,
  serverOf,
} from './writer-harness.ts';

const PER_MESSAGE = Number(process.env.BENCH_DOCUMENTS_PER_MESSAGE ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STORED_SOURCES = (process.env.BENCH_STORED_SOURCES ?? '10000,100000')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const SIZED_DOCUMENTS = Number(process.env.BENCH_SIZED_DOCUMENTS ?? 10_000);

interface Rates {
  rawUpsertFirst: number;
  rawInsertFirst: number;
  writerFirst: number;
  rawUpsertAgain: number;
  writerAgain: number;
}

async function rawSide(round: number, first: StoreMessage[], again: StoreMessage[], documents: number) {
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
    if (count !== documents)
      throw new Error(`round ${round}: a raw loop left ${count} of ${documents} documents`);
  }
  return { rawUpsertFirst, rawInsertFirst, rawUpsertAgain };
}

async function writerSide(first: StoreMessage[], again: StoreMessage[], documents: number) {
  await using broker = await useBroker();
  await using database = await useDatabase();
  await using writer = await benchWriter(broker, database);
  const writerFirst = await writer.pass(first, documents);
  const writerAgain = await writer.pass(again, documents);
  const current = await database.db
    .collection<StoredDocument>('documents')
    .countDocuments({ fetchedAt: new Date(SECOND_FETCH) });
  if (current !== documents)
    throw new Error(`the writer holds ${current} re-ingested documents of ${documents}`);
  return { writerFirst, writerAgain };
}

interface SizedRates {
  stored: number;
  rawInsert: number;
  writer: number;
}

/**
 * First ingestion of SIZED_DOCUMENTS new documents into a store of `stored` sources: a raw insert loop and the
 * writer, one after the other in the same database (the writer's store is larger by the raw loop's documents).
 */
async function storeSizeRound(stored: number): Promise<SizedRates> {
  await using broker: TestBroker = await useBroker();
  await using database: TestDatabase = await useDatabase();
  await using writer = await benchWriter(broker, database);
  const started = performance.now();
  await prefill(database, 'stored', stored, 1);
  const prefillSeconds = (performance.now() - started) / 1000;
  const collection = database.db.collection<StoredDocument>('documents');
  const raw = documentsOf(messagesFor(`raw-${stored}`, FIRST_FETCH, SIZED_DOCUMENTS, PER_MESSAGE));
  const rawInsert = await rawLoop(collection, raw, 'insert', Number.POSITIVE_INFINITY);
  const messages = messagesFor(`new-${stored}`, FIRST_FETCH, SIZED_DOCUMENTS, PER_MESSAGE);
  const writerRate = await writer.pass(messages, SIZED_DOCUMENTS);
  const count = await collection.countDocuments();
  if (count !== stored + 2 * SIZED_DOCUMENTS) {
    throw new Error(
      `a store of ${stored} sources holds ${count} documents, not ${stored + 2 * SIZED_DOCUMENTS}`,
    );
  }
  console.log(
    `store of ${stored} sources (filled in ${prefillSeconds.toFixed(0)} s): first ingestion of ` +
      `${SIZED_DOCUMENTS} documents: raw inserts ${rawInsert.toFixed(0)}, writer ${writerRate.toFixed(0)} ` +
      `docs/s (ratio ${(writerRate / rawInsert).toFixed(2)})`,
  );
  return { stored, rawInsert, writer: writerRate };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function reportRounds(rounds: Rates[]): void {
  const m = (key: keyof Rates) => median(rounds.map((r) => r[key]));
  const line = (label: string, value: number) =>
    console.log(`${label.padEnd(44)} ${value.toFixed(0).padStart(8)} docs/s`);
  console.log(`\nmedians of ${rounds.length} round(s)`);
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
}

const server = await (async () => {
  await using probe = await useDatabase();
  return serverOf(probe);
})();
const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? (server.ferretdb ? 2_000 : 20_000));
console.log(
  `${server.name}: ${DOCUMENTS} documents in messages of ${PER_MESSAGE}, batches of the writer's size, ` +
    `${ROUNDS} round(s)`,
);
const rounds: Rates[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const first = messagesFor(`bench-${round}`, FIRST_FETCH, DOCUMENTS, PER_MESSAGE);
  const again = messagesFor(`bench-${round}`, SECOND_FETCH, DOCUMENTS, PER_MESSAGE);
  const raw = await rawSide(round, first, again, DOCUMENTS);
  const writer = await writerSide(first, again, DOCUMENTS);
  const rates = { ...raw, ...writer };
  rounds.push(rates);
  console.log(
    `round ${round + 1}: first ingestion: raw upserts ${rates.rawUpsertFirst.toFixed(0)}, raw inserts ` +
      `${rates.rawInsertFirst.toFixed(0)}, writer ${rates.writerFirst.toFixed(0)} docs/s; re-ingestion: raw ` +
      `upserts ${rates.rawUpsertAgain.toFixed(0)}, writer ${rates.writerAgain.toFixed(0)} docs/s`,
  );
}
if (rounds.length > 0) reportRounds(rounds);

if (STORED_SOURCES.length > 0) {
  console.log('\nfirst ingestion into a store that holds sources already (each with one chunk)');
  const sized: SizedRates[] = [];
  for (const stored of STORED_SOURCES) sized.push(await storeSizeRound(stored));
  const smallest = sized[0];
  const largest = sized.at(-1);
  if (smallest && largest && largest !== smallest) {
    console.log(
      `writer at ${largest.stored} / at ${smallest.stored} stored sources: ` +
        `${(largest.writer / smallest.writer).toFixed(2)} (goal ≥ 0.80); raw inserts: ` +
        `${(largest.rawInsert / smallest.rawInsert).toFixed(2)}`,
    );
  }
}
