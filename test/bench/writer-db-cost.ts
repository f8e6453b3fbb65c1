// What the writer costs its database per document: the database server's CPU seconds per 1,000 documents for a
// first ingestion through the writer as the service builds it (messages published to `store.docs`, each with a
// batch id, so that the batch records are written as users run it), against a plain unordered `insertMany` of
// as many documents of the same shape, in batches of the writer's size, into a collection without indexes beyond
// `_id` that holds as many documents as the writer's store (an insert costs more in a larger collection). Measured
// in an empty store and in stores that hold sources already (each with one chunk, its source record and its batch
// record), to show whether the writer's cost depends on the store's size. The writer's commands are accounted by
// kind (count, time, server CPU) from the driver's command monitoring; insertMany into a new, empty collection is
// measured beside, as the baseline was.
//
// The server's CPU time (all its threads) is read from /proc: a database on this machine (infra/local's
// FerretDB, or a mongod), found by the port of MONGO_URL. Whatever else that server does meanwhile is counted
// too: run it where nothing else uses the server.
//
//   npm run bench:writer-db-cost          (AMQP_URL / MONGO_URL from the environment, as the integration tests)
//   BENCH_DOCUMENTS=15000 BENCH_CHUNKS_PER_SOURCE=3 BENCH_STORED_SOURCES=0,100000 BENCH_ROUNDS=3 \
//     npm run bench:writer-db-cost
import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_COLLECTIONS, type StoreMessage } from '@tributary/contracts';
import { type StoredDocument, toStoredDocument } from '@tributary/writer';
import { type Collection, type Db, MongoClient } from 'mongodb';
import { useBroker, useDatabase } from '../support/index.ts';
import { pidListeningOn, pidsByCommandLine, procAvailable } from './proc-stat.ts';
import { type BenchRow, formatNumber, median, report } from './results.ts';
import { cpuSnapshot } from './transform-cpu.ts';
import { type CommandCost, CommandCosts } from './writer-command-costs.ts';
import {
  BATCH,
  benchWriter,
  documentsOf,
  FIRST_FETCH,
  messagesFor,
  prefill,
  serverOf,
} from './writer-harness.ts';

const DOCUMENTS = Number(process.env.BENCH_DOCUMENTS ?? 15_000);
const CHUNKS_PER_SOURCE = Number(process.env.BENCH_CHUNKS_PER_SOURCE ?? 3);
const STORED_SOURCES = (process.env.BENCH_STORED_SOURCES ?? '0,100000')
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 0);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_RATIO = 1.5;
/** How much more the writer's cost may grow with the store than an insert's does, for noise. */
const GROWTH_TOLERANCE = 1.2;
const BATCH_ID = 'bench-db-cost';
const PREFILL_PER_COMMAND = 1_000;

/**
 * The pid of the database server on this machine that `mongoUrl` reaches: the one listening on its port, or else
 * the only FerretDB running.
 */
function databasePid(mongoUrl: string): number | undefined {
  if (!procAvailable()) return undefined;
  const listening = pidListeningOn(Number(new URL(mongoUrl).port || 27017));
  if (listening !== undefined) return listening;
  const ferretdbs = pidsByCommandLine('ferretdb');
  return ferretdbs.length === 1 ? ferretdbs[0] : undefined;
}

/** The messages, each carrying the batch id as the enqueue's jobs do. */
function inBatch(messages: StoreMessage[], batch: string): StoreMessage[] {
  return messages.map((message) => ({ ...message, source: { ...message.source, batch } }) as StoreMessage);
}

interface Pass {
  documents: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Server CPU while the pass's client had no command in flight: background work, other clients. */
  idleCpuSeconds: number;
}

const perThousand = (pass: Pass) => (pass.cpuSeconds / pass.documents) * 1_000;

interface SizeResult {
  stored: number;
  prefillSeconds: number;
  /** insertMany into a collection without indexes beyond `_id`, as large as the store: the ceiling. */
  raw: Pass[];
  /** insertMany into a new collection without indexes beyond `_id`. */
  rawNew: Pass[];
  writer: Pass[];
  /** The writer's commands in the last round, costliest first. */
  commands: CommandCost[];
}

/** Plain unordered insertMany of `documents`, BATCH at a time, acknowledged as the writer's are. */
async function insertInBatches(collection: Collection<StoredDocument>, documents: StoredDocument[]) {
  for (let start = 0; start < documents.length; start += BATCH) {
    await collection.insertMany(documents.slice(start, start + BATCH), {
      ordered: false,
      writeConcern: { w: 'majority' },
    });
  }
}

async function measured(
  cpu: () => number,
  costs: CommandCosts,
  documents: number,
  run: () => Promise<unknown>,
): Promise<Pass> {
  costs.reset();
  const startedCpu = cpu();
  const started = performance.now();
  await run();
  return {
    documents,
    cpuSeconds: cpu() - startedCpu,
    wallSeconds: (performance.now() - started) / 1000,
    idleCpuSeconds: costs.idleCpuSeconds,
  };
}

/**
 * Waits until the server is idle (under 5% of a core for a second), at most `timeoutMs`: what it still does
 * after the prefill (checkpointing its log, collecting garbage) is not the next pass's cost.
 */
async function settle(cpu: () => number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = cpu();
  let quiet = 0;
  while (quiet < 4 && Date.now() < deadline) {
    await sleep(250);
    const now = cpu();
    quiet = now - last < 0.0125 ? quiet + 1 : 0;
    last = now;
  }
}

async function measure(stored: number, cpu: () => number): Promise<SizeResult> {
  await using broker = await useBroker();
  await using database = await useDatabase();
  await using writer = await benchWriter(broker, database, { monitorCommands: true });
  const started = performance.now();
  if (stored > 0) await prefill(database, 'stored', stored, 1, { batch: 'earlier' });
  const plainStore = database.db.collection<StoredDocument>('raw_store');
  for (let start = 0; start < stored; start += PREFILL_PER_COMMAND) {
    const count = Math.min(PREFILL_PER_COMMAND, stored - start);
    await plainStore.insertMany(
      documentsOf(messagesFor(`plain-${start}`, FIRST_FETCH, count, 1)).map(toStoredDocument),
      {
        ordered: false,
      },
    );
  }
  const prefillSeconds = (performance.now() - started) / 1000;
  await settle(cpu);

  const rawUrl = new URL(database.mongoUrl);
  rawUrl.searchParams.set('monitorCommands', 'true');
  const rawClient = await MongoClient.connect(rawUrl.toString());
  const rawCosts = new CommandCosts(rawClient, cpu);
  const writerCosts = new CommandCosts(writer.client, cpu);
  const result: SizeResult = {
    stored,
    prefillSeconds,
    raw: [],
    rawNew: [],
    writer: [],
    commands: [],
  };
  try {
    const db = rawClient.db(database.dbName);
    const raw = (prefix: string) =>
      documentsOf(messagesFor(prefix, FIRST_FETCH, DOCUMENTS, CHUNKS_PER_SOURCE)).map(toStoredDocument);
    for (let round = 0; round < ROUNDS; round++) {
      const [plain, inNew] = [raw(`raw-${round}`), raw(`raw-new-${round}`)];
      result.raw.push(
        await measured(cpu, rawCosts, DOCUMENTS, () => insertInBatches(db.collection('raw_store'), plain)),
      );
      result.rawNew.push(
        await measured(cpu, rawCosts, DOCUMENTS, () =>
          insertInBatches(db.collection(`raw_new_${round}`), inNew),
        ),
      );
      const messages = inBatch(
        messagesFor(`new-${round}`, FIRST_FETCH, DOCUMENTS, CHUNKS_PER_SOURCE),
        BATCH_ID,
      );
      const pass = await measured(cpu, writerCosts, DOCUMENTS, () => writer.pass(messages, DOCUMENTS));
      result.writer.push(pass);
      result.commands = writerCosts.costs();
      await checkStored(database.db, round, messages.length);
      const figure = (passes: Pass[]) => `${perThousand(passes.at(-1) as Pass).toFixed(3)} s`;
      console.log(
        `store of ${formatNumber(stored)} sources, round ${round + 1}: server CPU per 1,000 documents: ` +
          `writer ${figure(result.writer)} (${pass.wallSeconds.toFixed(1)} s wall); insertMany into a ` +
          `collection as large ${figure(result.raw)}, into a new one ${figure(result.rawNew)}`,
      );
    }
  } finally {
    rawCosts.stop();
    writerCosts.stop();
    await rawClient.close();
  }
  return result;
}

/** Every document, source record and batch record of the round's messages is in the store. */
async function checkStored(db: Db, round: number, sources: number): Promise<void> {
  const prefix = `^new-${round}-`;
  const [documents, records, ended] = await Promise.all([
    db.collection('documents').countDocuments({ jobId: { $regex: prefix } }),
    db.collection<{ _id: string }>('sources').countDocuments({ _id: { $regex: prefix } }),
    db.collection(BATCH_COLLECTIONS.jobs).countDocuments({ batch: BATCH_ID, jobId: { $regex: prefix } }),
  ]);
  if (documents !== DOCUMENTS || records !== sources || ended !== sources) {
    throw new Error(
      `round ${round + 1}: ${documents}/${DOCUMENTS} documents, ${records}/${sources} source records, ` +
        `${ended}/${sources} batch records stored`,
    );
  }
}

function commandTable(commands: readonly CommandCost[]): string {
  const lines = [
    '| command | commands | operations | wall s | server CPU s | server CPU s / 1,000 documents |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of commands) {
    lines.push(
      `| ${c.kind} | ${c.commands} | ${c.operations} | ${c.seconds.toFixed(2)} | ` +
        `${c.serverCpuSeconds.toFixed(2)} | ${((c.serverCpuSeconds / DOCUMENTS) * 1_000).toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

const startedAt = new Date();
const server = await (async () => {
  await using probe = await useDatabase();
  return { ...(await serverOf(probe)), mongoUrl: probe.mongoUrl };
})();
const pid = databasePid(server.mongoUrl);
if (pid === undefined) {
  throw new Error(
    `found no single database process on this machine for ${server.mongoUrl}: this benchmark reads the ` +
      "server's CPU time from /proc, so it needs a local FerretDB or mongod (infra/local)",
  );
}
const cpu = () => cpuSnapshot({ server: [pid] })?.byLabel.get('server') ?? Number.NaN;
console.log(
  `${server.name} (pid ${pid}): ${formatNumber(DOCUMENTS)} documents of ${CHUNKS_PER_SOURCE} chunks per ` +
    `source, batches of ${BATCH}, stores of ${STORED_SOURCES.map((n) => formatNumber(n)).join(', ')} ` +
    `sources, ${ROUNDS} round(s)`,
);
const results: SizeResult[] = [];
for (const stored of STORED_SOURCES) {
  const result = await measure(stored, cpu);
  results.push(result);
  console.log(`\nthe writer's commands, store of ${formatNumber(stored)} sources (last round):`);
  console.log(commandTable(result.commands));
}

const cost = (passes: Pass[]) => median(passes.map(perThousand));
const rows: BenchRow[] = results.map((r): BenchRow => {
  const ratio = cost(r.writer) / cost(r.raw);
  return {
    name: `${formatNumber(DOCUMENTS)} documents of ${formatNumber(Math.ceil(DOCUMENTS / CHUNKS_PER_SOURCE))} new sources through the writer, batch records included, store of ${formatNumber(r.stored)} sources`,
    result: `${cost(r.writer).toFixed(3)} ${server.ferretdb ? 'FerretDB' : 'database'} CPU s / 1,000 documents`,
    ceiling: `raw insertMany ${cost(r.raw).toFixed(3)} CPU s / 1,000 documents (${cost(r.rawNew).toFixed(3)} into a new collection)`,
    ratio,
    goal: `≤ ${GOAL_RATIO}× raw insertMany database CPU per document`,
    met: ratio <= GOAL_RATIO,
  };
});
const smallest = results[0];
const largest = results.at(-1);
if (smallest && largest && largest !== smallest) {
  const writerGrowth = cost(largest.writer) / cost(smallest.writer);
  const rawGrowth = cost(largest.raw) / cost(smallest.raw);
  rows.push({
    name: `growth of the cost per document from a store of ${formatNumber(smallest.stored)} to ${formatNumber(largest.stored)} sources`,
    result: `writer ${writerGrowth.toFixed(2)}×`,
    ceiling: `raw insertMany ${rawGrowth.toFixed(2)}×`,
    ratio: writerGrowth / rawGrowth,
    goal: `independent of the store's size: grows no more than an insert does (≤ ${GROWTH_TOLERANCE}×)`,
    met: writerGrowth / rawGrowth <= GROWTH_TOLERANCE,
  });
}
await report({
  scenario: 'writer-db-cost',
  command: 'npm run bench:writer-db-cost',
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  rows,
  details: {
    server: server.name,
    documents: DOCUMENTS,
    chunksPerSource: CHUNKS_PER_SOURCE,
    batchSize: BATCH,
    rounds: ROUNDS,
    stores: results.map((r) => ({
      ...r,
      serverCpuSecondsPer1000Documents: {
        writer: cost(r.writer),
        insertManyIntoCollectionAsLarge: cost(r.raw),
        insertManyIntoNewCollection: cost(r.rawNew),
      },
    })),
  },
});
