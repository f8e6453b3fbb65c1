// The writer's kinds of write against the size of the store, each beside a raw driver ceiling in the same
// database, in one run. For each store size (documents already stored, in sources of 10 chunks):
//   1. first ingestion: new sources; raw ceiling: bulk inserts of other new sources.
//   2. re-ingestion: stored sources fetched again with changed text; raw ceilings: bulk upserts (what the
//      writer sends), and a bulk `deleteMany` of the batch's `_id`s followed by bulk inserts.
//   3. shrinking sources: stored sources come back with 5 chunks instead of 10 (upserts, stale-chunk removal);
//      raw ceiling: the upserts and one `deleteMany({ jobId, chunkIndex: { $gte: 5 } })` per source.
// Re-ingested and shrunk sources are spread evenly over the store (a scan that stops at its match costs what
// the match's position says); the writer's and the raw loops' are distinct, interleaved.
//
//   npm run bench:writer-store-size      (AMQP_URL / MONGO_URL from the environment, as the integration tests)
//   BENCH_STORE_DOCUMENTS=10000,100000 BENCH_FIRST_DOCUMENTS=5000 BENCH_REINGEST_DOCUMENTS=20 \
//     BENCH_SHRINK_SOURCES=2 npm run bench:writer-store-size
//
// On FerretDB 1.24 (SQLite) a re-ingested or shrunk document costs a scan of the collection, seconds each at
// 100,000 documents: the defaults keep those samples small.
import { documentIdFor, type StoreMessage } from '@tributary/contracts';
import { type StoredDocument, toStoredDocument } from '@tributary/writer';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { documentsMessage } from '../integration/writer/harness.ts';
import { type TestDatabase, useBroker, useDatabase } from '../support/index.ts';
import {
  BATCH,
  benchWriter,
  documentsOf,
  FIRST_FETCH,
  messagesFor,
  opsPerCommand,
  prefill,
  rawLoop,
  SECOND_FETCH,
  serverOf,
  THIRD_FETCH,
} from './writer-harness.ts';

const CHUNKS = 10;
const SHRUNK_CHUNKS = 5;
const STORE_DOCUMENTS = (process.env.BENCH_STORE_DOCUMENTS ?? '10000,100000')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 1_000);
const FIRST_DOCUMENTS = Number(process.env.BENCH_FIRST_DOCUMENTS ?? 5_000);
const REINGEST_DOCUMENTS = Number(process.env.BENCH_REINGEST_DOCUMENTS ?? 20);
const SHRINK_SOURCES = Number(process.env.BENCH_SHRINK_SOURCES ?? 2);

/** `count` stored sources spread evenly over `sources`, every other one from `offset` (0 or 1). */
function spread(sources: number, count: number, offset: 0 | 1): number[] {
  const step = Math.floor(sources / (2 * count));
  return Array.from({ length: count }, (_, i) => (2 * i + offset) * step);
}

/** Stored sources `stored-<i>` fetched again at `fetchedAt`, with `chunks` chunks of new text. */
function refetched(indexes: number[], fetchedAt: string, chunks: number): StoreMessage[] {
  return indexes.map((i) =>
    documentsMessage(`stored-${i}`, chunks, {
      fetchedAt,
      text: (chunk) => `${chunk} ${fetchedAt} refetched`,
    }),
  );
}

/** Bulk `deleteMany` of each batch's `_id`s, then bulk inserts of the batch, one batch at a time. */
async function rawDeleteThenInsert(collection: Collection<StoredDocument>, messages: StoreMessage[]) {
  const documents = documentsOf(messages);
  const started = performance.now();
  for (let start = 0; start < documents.length; start += BATCH) {
    const batch = documents.slice(start, start + BATCH).map(toStoredDocument);
    await collection.deleteMany(
      { _id: { $in: batch.map((d) => d._id) } },
      { writeConcern: { w: 'majority' } },
    );
    await collection.insertMany(batch, { ordered: false, writeConcern: { w: 'majority' } });
  }
  return documents.length / ((performance.now() - started) / 1000);
}

/** Upserts of the shrunk sources' chunks and one stale-chunk removal per source, as bulk writes. */
async function rawShrink(
  collection: Collection<StoredDocument>,
  messages: StoreMessage[],
  perCommand: number,
) {
  const started = performance.now();
  const ops: AnyBulkWriteOperation<StoredDocument>[] = [];
  for (const message of messages) {
    if (message.kind !== 'documents') continue;
    for (const document of message.documents.map(toStoredDocument)) {
      ops.push({ replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } });
    }
  }
  const removals: AnyBulkWriteOperation<StoredDocument>[] = messages.map((m) => ({
    deleteMany: { filter: { jobId: m.source.jobId, chunkIndex: { $gte: SHRUNK_CHUNKS } } },
  }));
  for (const phase of [ops, removals]) {
    for (let i = 0; i < phase.length; i += perCommand) {
      await collection.bulkWrite(phase.slice(i, i + perCommand), {
        ordered: false,
        writeConcern: { w: 'majority' },
      });
    }
  }
  return (messages.length * SHRUNK_CHUNKS) / ((performance.now() - started) / 1000);
}

interface SizeResult {
  documents: number;
  first: { writer: number; raw: number };
  again: { writer: number; rawUpsert: number; rawDeleteInsert: number };
  shrink: { writer: number; raw: number };
}

async function measure(storeDocuments: number): Promise<SizeResult> {
  await using broker = await useBroker();
  await using database: TestDatabase = await useDatabase();
  await using writer = await benchWriter(broker, database);
  const sources = Math.floor(storeDocuments / CHUNKS);
  const perCommand = await opsPerCommand(database);
  const collection = database.db.collection<StoredDocument>('documents');
  const started = performance.now();
  await prefill(database, 'stored', sources, CHUNKS);
  const prefillSeconds = (performance.now() - started) / 1000;
  const tag = `${storeDocuments} documents (${sources} sources, filled in ${prefillSeconds.toFixed(0)} s)`;

  const rawFirst = await rawLoop(
    collection,
    documentsOf(messagesFor('raw-new', FIRST_FETCH, FIRST_DOCUMENTS, CHUNKS)),
    'insert',
    perCommand,
  );
  const writerFirst = await writer.pass(
    messagesFor('new', FIRST_FETCH, FIRST_DOCUMENTS, CHUNKS),
    FIRST_DOCUMENTS,
  );
  console.log(
    `${tag}: first ingestion: writer ${writerFirst.toFixed(0)}, raw inserts ${rawFirst.toFixed(0)} docs/s`,
  );

  const reingested = Math.max(2, Math.ceil(REINGEST_DOCUMENTS / CHUNKS));
  const picks = spread(sources, 3 * reingested, 0);
  const [rawUpsertSet, rawDeleteSet, writerSet] = [0, 1, 2].map((k) =>
    refetched(
      picks.filter((_, i) => i % 3 === k),
      SECOND_FETCH,
      CHUNKS,
    ),
  ) as [StoreMessage[], StoreMessage[], StoreMessage[]];
  const rawUpsert = await rawLoop(collection, documentsOf(rawUpsertSet), 'upsert', perCommand);
  const rawDeleteInsert = await rawDeleteThenInsert(collection, rawDeleteSet);
  const writerAgain = await writer.pass(writerSet, documentsOf(writerSet).length);
  console.log(
    `${tag}: re-ingestion of ${documentsOf(writerSet).length} documents: writer ${writerAgain.toFixed(1)}, raw ` +
      `upserts ${rawUpsert.toFixed(1)}, raw deleteMany $in + inserts ${rawDeleteInsert.toFixed(1)} docs/s`,
  );

  const shrinking = spread(sources, 2 * SHRINK_SOURCES, 1);
  const rawShrinkSet = refetched(
    shrinking.filter((_, i) => i % 2 === 0),
    THIRD_FETCH,
    SHRUNK_CHUNKS,
  );
  const writerShrinkSet = refetched(
    shrinking.filter((_, i) => i % 2 === 1),
    THIRD_FETCH,
    SHRUNK_CHUNKS,
  );
  const rawShrinkRate = await rawShrink(collection, rawShrinkSet, perCommand);
  const writerShrink = await writer.pass(writerShrinkSet, SHRINK_SOURCES * SHRUNK_CHUNKS);
  console.log(
    `${tag}: ${SHRINK_SOURCES} sources shrinking from ${CHUNKS} to ${SHRUNK_CHUNKS} chunks: writer ` +
      `${writerShrink.toFixed(1)}, raw ${rawShrinkRate.toFixed(1)} docs/s`,
  );

  // The writer's work is in the store: every shrunk source has its 5 chunks of the third fetch, and no more.
  for (const message of writerShrinkSet) {
    const jobId = message.source.jobId;
    const stored = await collection
      .find({ jobId }, { projection: { chunkIndex: 1, fetchedAt: 1 } })
      .toArray();
    const expected = Array.from({ length: SHRUNK_CHUNKS }, (_, i) => documentIdFor(jobId, i)).sort();
    if (JSON.stringify(stored.map((d) => d._id).sort()) !== JSON.stringify(expected)) {
      throw new Error(
        `source ${jobId} holds chunks ${stored.map((d) => d.chunkIndex).join(',')} after shrinking`,
      );
    }
  }
  return {
    documents: storeDocuments,
    first: { writer: writerFirst, raw: rawFirst },
    again: { writer: writerAgain, rawUpsert, rawDeleteInsert },
    shrink: { writer: writerShrink, raw: rawShrinkRate },
  };
}

const server = await (async () => {
  await using probe = await useDatabase();
  return serverOf(probe);
})();
console.log(`${server.name} (${process.env.MONGO_URL ?? 'the test database'}), batches of ${BATCH}`);
const results: SizeResult[] = [];
for (const size of STORE_DOCUMENTS) results.push(await measure(size));

const rate = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).padStart(8);
console.log(
  `\n${'store documents'.padEnd(16)} ${'pass'.padEnd(30)} ${'writer'.padStart(8)} ceiling (docs/s)`,
);
for (const r of results) {
  const row = (pass: string, writerRate: number, ceiling: string) =>
    console.log(`${String(r.documents).padEnd(16)} ${pass.padEnd(30)} ${rate(writerRate)} ${ceiling}`);
  row('first ingestion', r.first.writer, `raw inserts ${rate(r.first.raw)}`);
  row(
    're-ingestion',
    r.again.writer,
    `raw upserts ${rate(r.again.rawUpsert)}; raw delete+insert ${rate(r.again.rawDeleteInsert)}`,
  );
  row('shrinking sources', r.shrink.writer, `raw upserts + deleteMany ${rate(r.shrink.raw)}`);
}
const smallest = results[0];
const largest = results.at(-1);
if (smallest && largest && smallest !== largest) {
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `\nwriter at ${largest.documents} / at ${smallest.documents} documents: first ingestion ` +
      `${ratio(largest.first.writer, smallest.first.writer)} (raw inserts ${ratio(largest.first.raw, smallest.first.raw)}), ` +
      `re-ingestion ${ratio(largest.again.writer, smallest.again.writer)} (raw upserts ` +
      `${ratio(largest.again.rawUpsert, smallest.again.rawUpsert)}), shrinking ` +
      `${ratio(largest.shrink.writer, smallest.shrink.writer)} (raw ${ratio(largest.shrink.raw, smallest.shrink.raw)})`,
  );
}
