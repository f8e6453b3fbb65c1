// Transform benchmark: records per second through the transformer service with 1 worker and with 2, beside
// the ceiling measured in the same run.
//   npm run bench:transform                 (AMQP_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_TRANSFORM_RECORDS=500 BENCH_TRANSFORM_ROUNDS=5 BENCH_TRANSFORM_WORKERS=1,2,4 npm run bench:transform
//
// Input: large demo-API article pages (BENCH_TRANSFORM_PARAGRAPHS paragraphs each, about 110 KB of HTML with the
// site's boilerplate at 200), as RawRecords packed the way the fetcher packs them (gzip above 64 KiB). The default
// transform (Readability on linkedom, normalisation, cl100k_base chunking) makes each one CPU-heavy.
//
// 1. Ceiling: the same records through `runTransform(defaultTransform)` in this process, one after another, after
//    a warm-up: what one core does with no broker, no IPC and no threads. N workers can at best do N × this
//    (on N free cores).
// 2. Service, per worker count and round: a fresh vhost; all N records are published to transform.raw first; then
//    `node services/transformer/src/main.ts` starts (a child process, as deployed) with TRANSFORM_WORKERS=w.
//    The clock runs from the first StoreMessage in store.docs to the N-th, and the rate counts the N − w records
//    finished in between (each worker finished one at the first mark), so start-up time is not measured.
//    Rounds alternate the worker counts so that a change in the machine's load hits both alike.
// 3. Where the CPU went between the first and the last output (Linux /proc; transform-cpu.ts): the transform
//    threads, the rest of the service, the broker (when it runs here), this process, and every other process: on
//    a shared machine, a run whose cores were busy with other work says so beside its rate.
import { availableParallelism, loadavg } from 'node:os';
import { jobIdFor, packBody, type RawRecord } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { defaultTransform, runTransform, type TransformConfig } from '@tributary/transform';
import amqplib from 'amqplib';
import { pageFor } from '../../services/demo-api/src/content.ts';
import { metricValue, publishRecords, startTransformer } from '../integration/transformer/harness.ts';
import { useBroker } from '../support/index.ts';
import { waitFor } from '../support/wait-for.ts';
import { type BenchRow, median, report } from './results.ts';
import { type CpuSnapshot, type CpuUsage, cpuSnapshot, cpuUsage, localBrokerPid } from './transform-cpu.ts';

const RECORDS = Number(process.env.BENCH_TRANSFORM_RECORDS ?? 300);
const PARAGRAPHS = Number(process.env.BENCH_TRANSFORM_PARAGRAPHS ?? 200);
const ROUNDS = Number(process.env.BENCH_TRANSFORM_ROUNDS ?? 3);
const WORKERS = (process.env.BENCH_TRANSFORM_WORKERS ?? '1,2').split(',').map(Number);
const CEILING_SAMPLE = Math.min(RECORDS, 100);
/** The service's default chunking, so the ceiling does the same work. */
const CONFIG: TransformConfig = { chunking: { targetTokens: 512, maxTokens: 640, overlapTokens: 64 } };

function buildRecords(): RawRecord[] {
  return Array.from({ length: RECORDS }, (_, i) => {
    const url = `http://demo.test/pages/${1_000 + i}`;
    const bytes = Buffer.from(pageFor(1_000 + i, { paragraphs: PARAGRAPHS }).html);
    return {
      jobId: jobIdFor({ url }),
      url,
      finalUrl: url,
      status: 200,
      contentType: 'text/html; charset=utf-8',
      fetchedAt: new Date().toISOString(),
      durationMs: 1,
      bytes: bytes.byteLength,
      ...packBody(bytes, 64 * 1024),
    };
  });
}

async function ceiling(records: readonly RawRecord[]): Promise<number> {
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const run = (record: RawRecord) => runTransform(defaultTransform, record, { config: CONFIG, logger });
  for (const record of records.slice(0, 20)) await run(record);
  const started = performance.now();
  for (const record of records.slice(0, CEILING_SAMPLE)) await run(record);
  return CEILING_SAMPLE / ((performance.now() - started) / 1_000);
}

interface ServiceRun {
  workers: number;
  rate: number;
  seconds: number;
  documents: number;
  rssMb: number;
  /** Mean time one record spent in its transform thread. */
  transformMs: number;
  /** Where the CPU went between the first and the last output; undefined without /proc. */
  cpu: CpuUsage | undefined;
}

async function measureService(records: readonly RawRecord[], workers: number): Promise<ServiceRun> {
  await using broker = await useBroker();
  await publishRecords(broker.amqpUrl, records);
  // Arrival time of each source's first StoreMessage, by its message id (the job id): no parsing, so this process
  // takes as little CPU from the service as it can.
  const arrivals = new Map<string, number>();
  // CPU snapshots at the first and the last output, once the service's pids are known.
  let groups: Record<string, number[]> | undefined;
  let firstCpu: CpuSnapshot | undefined;
  let lastCpu: CpuSnapshot | undefined;
  const connection = await amqplib.connect(broker.amqpUrl);
  const channel = await connection.createChannel();
  // No acks: the vhost is thrown away after the run, and the broker and this process spend less CPU.
  await channel.consume(
    'store.docs',
    (msg) => {
      if (!msg) return;
      const jobId = String(msg.properties.messageId);
      if (!arrivals.has(jobId)) {
        arrivals.set(jobId, performance.now());
        if (arrivals.size === 1 && groups !== undefined) firstCpu = cpuSnapshot(groups);
        if (arrivals.size === records.length && groups !== undefined) lastCpu = cpuSnapshot(groups);
      }
    },
    { noAck: true },
  );
  const service = await startTransformer(broker.amqpUrl, {
    TRANSFORM_WORKERS: String(workers),
    TRANSFORM_TARGET_TOKENS: String(CONFIG.chunking.targetTokens),
    TRANSFORM_MAX_TOKENS: String(CONFIG.chunking.maxTokens),
    TRANSFORM_OVERLAP_TOKENS: String(CONFIG.chunking.overlapTokens),
  });
  const brokerPid = localBrokerPid();
  groups = {
    service: [service.child.pid ?? 0, ...service.forked().map((worker) => worker.pid)],
    'this benchmark': [process.pid],
    ...(brokerPid === undefined ? {} : { broker: [brokerPid] }),
  };
  try {
    await waitFor(() => arrivals.size === records.length, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: `${records.length} StoreMessages (have ${arrivals.size}; ${service.tail()})`,
    });
    const times = [...arrivals.values()].sort((a, b) => a - b);
    const seconds = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1_000;
    const metrics = await service.metrics();
    const rss = metricValue(metrics, 'tributary_process_resident_memory_bytes');
    const documents = metricValue(metrics, 'tributary_transform_documents_total');
    const transformMs =
      (1_000 * metricValue(metrics, 'tributary_transform_duration_seconds_sum')) /
      metricValue(metrics, 'tributary_transform_duration_seconds_count');
    return {
      workers,
      rate: (records.length - workers) / seconds,
      seconds,
      documents,
      rssMb: rss / 2 ** 20,
      transformMs,
      cpu: firstCpu && lastCpu && cpuUsage(firstCpu, lastCpu),
    };
  } finally {
    await service.stop();
    await connection.close();
  }
}

/** CPU ms per record by where it went, and how busy the machine was and with what. */
function describeCpu(cpu: CpuUsage, records: number): string {
  const parts = [...cpu.byLabel].map(([label, seconds]) => `${label} ${fmt((1_000 * seconds) / records)}`);
  const busy = (100 * cpu.machineBusy) / (cpu.wallSeconds * cpu.cores);
  const others = (100 * cpu.others) / (cpu.wallSeconds * cpu.cores);
  return (
    `CPU ms per record: ${parts.join(', ')}; the machine's ${cpu.cores} cores were ${fmt(busy, 0)}% busy, ` +
    `${fmt(others, 0)}% of them with other processes`
  );
}

/** CPU seconds per record spent by the pipeline (service, broker, benchmark), and by the transform threads alone. */
function cpuPerRecord(cpu: CpuUsage, records: number): { total: number; transform: number } {
  const total = [...cpu.byLabel.values()].reduce((sum, seconds) => sum + seconds, 0);
  return { total: total / records, transform: (cpu.byLabel.get('transform threads') ?? 0) / records };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

const startedAt = new Date();
const records = buildRecords();
const htmlKb = records.reduce((sum, r) => sum + r.bytes, 0) / records.length / 1_024;
console.log(
  `transform benchmark: ${RECORDS} pages of ${PARAGRAPHS} paragraphs (${fmt(htmlKb)} KB of HTML each), ` +
    `workers ${WORKERS.join(', ')}, ${ROUNDS} round(s); load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
);
const single = await ceiling(records);
console.log(`ceiling, one core in process: ${fmt(single)} records/s`);

const results = new Map<number, ServiceRun[]>(WORKERS.map((w) => [w, []]));
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? WORKERS : [...WORKERS].reverse();
  for (const workers of order) {
    const run = await measureService(records, workers);
    results.get(workers)?.push(run);
    console.log(
      `round ${round}, ${workers} worker(s): ${fmt(run.rate)} records/s (${fmt(run.seconds, 2)} s, ` +
        `${fmt(run.transformMs)} ms in the transform per record, ${run.documents} documents, ` +
        `workers' RSS ${fmt(run.rssMb, 0)} MB; load ${fmt(loadavg()[0] ?? 0, 2)})`,
    );
    if (run.cpu !== undefined) console.log(`  ${describeCpu(run.cpu, RECORDS - workers)}`);
  }
}

console.log('\nmedian over rounds:');
const base = median((results.get(WORKERS[0] ?? 1) ?? []).map((r) => r.rate));
for (const [workers, runs] of results) {
  const rate = median(runs.map((r) => r.rate));
  console.log(
    `  ${workers} worker(s): ${fmt(rate)} records/s, ${fmt(rate / base, 2)}× ${WORKERS[0]} worker(s), ` +
      `${fmt((100 * rate) / (single * workers), 0)}% of ${workers} × the one-core ceiling`,
  );
}
if (WORKERS.includes(1) && WORKERS.includes(2)) {
  const ratios = (results.get(2) ?? []).map((run, i) => run.rate / (results.get(1)?.[i]?.rate ?? Number.NaN));
  console.log(
    `  2 workers / 1 worker, per round: ${ratios.map((r) => fmt(r, 2)).join(', ')} (goal on 2 cores: ≥ 1.80)`,
  );
}

// The CPU ceiling of the whole pipeline on this machine: every record's CPU (transform thread, the rest of the
// service, broker, benchmark) has to fit on the cores. One worker gets the work outside its transform thread done
// on the other core; two workers on two cores must share them, so their ratio stays below 2 by that share.
const costs = [...results.values()]
  .flat()
  .flatMap((run) => (run.cpu === undefined ? [] : [cpuPerRecord(run.cpu, RECORDS - run.workers)]));
if (costs.length > 0) {
  const total = median(costs.map((c) => c.total));
  const transform = median(costs.map((c) => c.transform));
  const cores = availableParallelism();
  console.log(
    `  a record costs ${fmt(1_000 * total)} ms of CPU in all, ${fmt(1_000 * transform)} ms of it in a transform ` +
      `thread (${fmt((100 * (total - transform)) / total, 0)}% elsewhere): ${cores} otherwise idle cores carry at ` +
      `most ${fmt(cores / total)} records/s of this pipeline`,
  );
}

const rows: BenchRow[] = [];
if (WORKERS.includes(1) && WORKERS.includes(2)) {
  const one = median((results.get(1) ?? []).map((run) => run.rate));
  const two = median((results.get(2) ?? []).map((run) => run.rate));
  rows.push({
    name: `transformer, 2 workers / 1 worker, ${RECORDS} pages of ${fmt(htmlKb, 0)} KB (median of ${ROUNDS} rounds)`,
    result: `${fmt(two)} records/s`,
    ceiling: `1 worker ${fmt(one)} records/s; one core in process ${fmt(single)}`,
    ratio: two / one,
    goal: '≥ 1.8×',
    met: two / one >= 1.8,
  });
}
if (costs.length > 0) {
  const total = median(costs.map((c) => c.total));
  const transform = median(costs.map((c) => c.transform));
  rows.push({
    name: `CPU per ${fmt(htmlKb, 0)} KB page outside the transform thread (service, broker, benchmark)`,
    result: `${fmt(1_000 * (total - transform))} ms`,
    ceiling: `in the transform thread ${fmt(1_000 * transform)} ms`,
    ratio: (total - transform) / transform,
    goal: "< 1× (below the transform's own)",
    met: total - transform < transform,
  });
}
await report({
  scenario: 'transform',
  command: `BENCH_TRANSFORM_PARAGRAPHS=${PARAGRAPHS} npm run bench:transform`,
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  rows,
  details: {
    records: RECORDS,
    htmlKb,
    oneCoreCeiling: single,
    runs: Object.fromEntries(
      [...results].map(([workers, runs]) => [workers, runs.map(({ cpu: _cpu, ...run }) => run)]),
    ),
  },
});
