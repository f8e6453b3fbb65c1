// How long a job takes from `enqueue` to stored, at a steady moderate rate (not a backlog's drain): the latency
// a user who feeds the pipeline continuously sees.
//   npm run bench:latency          (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_LATENCY_RATE=200 BENCH_LATENCY_SECONDS=60 BENCH_LATENCY_UPSTREAM_MS=0 npm run bench:latency
//
// A fresh system (demo API, fetcher, transformer with 2 workers, one writer, each its own process, started by the
// launcher users run; tracking on). Jobs for distinct demo-API JSON records are published at BENCH_LATENCY_RATE
// per second, evenly, for BENCH_LATENCY_SECONDS; each job's publish time is kept here. The writer records when
// each job ended (its batch record's `endedAt`, written with the source): latency is the difference, on the same
// clock. The upstream answers after BENCH_LATENCY_UPSTREAM_MS (0 by default): what is left is the pipeline's own
// time, the writer's flush interval included.

import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_COLLECTIONS, type BatchJobRecord, type FetchJob, jobIdFor } from '@tributary/contracts';
import { waitFor } from '../support/wait-for.ts';
import { formatNumber, quantile, report } from './results.ts';
import { BenchSystem } from './system-harness.ts';

const RATE = Number(process.env.BENCH_LATENCY_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 60);
const UPSTREAM_MS = Number(process.env.BENCH_LATENCY_UPSTREAM_MS ?? 0);
const BATCH = 'bench-latency';
/** Jobs published together: one every 1/RATE s would hand the event loop's timer resolution the rate. */
const TICK_MS = 50;

const startedAt = new Date();
await using system = await BenchSystem.start({
  settings: { FETCH_PER_HOST_RATE: '0', FETCH_PER_HOST_CONCURRENCY: '500' },
  transformWorkers: 2,
});
const jobs: FetchJob[] = Array.from({ length: Math.round(RATE * SECONDS) }, (_, i) => {
  const url = `${system.demoUrl}/records/${i}?latency=${UPSTREAM_MS}&run=${startedAt.getTime()}`;
  return { id: jobIdFor({ url }), url, batch: BATCH };
});
console.log(
  `latency: ${formatNumber(jobs.length)} jobs at ${RATE}/s for ${SECONDS} s, upstream ${UPSTREAM_MS} ms`,
);

const publishedAt = new Map<string, number>();
const publishing: Promise<void>[] = [];
const begin = Date.now();
for (let sent = 0; sent < jobs.length; ) {
  const due = Math.min(jobs.length, Math.floor(((Date.now() - begin) / 1_000) * RATE) + 1);
  for (; sent < due; sent++) {
    const job = jobs[sent] as FetchJob;
    publishedAt.set(job.id, Date.now());
    publishing.push(system.publish(job));
  }
  await sleep(TICK_MS);
}
await Promise.all(publishing);
const publishSeconds = (Date.now() - begin) / 1_000;

const records = system.database.db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
await waitFor(async () => (await records.countDocuments({ batch: BATCH })) >= jobs.length, {
  timeoutMs: 600_000,
  intervalMs: 1_000,
  what: `every job of ${BATCH} to end`,
});
const ended = await records
  .find({ batch: BATCH }, { projection: { jobId: 1, outcome: 1, endedAt: 1 } })
  .toArray();
const notStored = ended.filter((record) => record.outcome !== 'stored');
if (notStored.length > 0)
  throw new Error(`${notStored.length} jobs did not end stored, e.g. ${notStored[0]?.jobId}`);
const latenciesMs = ended.map(
  (record) => record.endedAt.getTime() - (publishedAt.get(record.jobId) ?? Number.NaN),
);
if (latenciesMs.some(Number.isNaN)) throw new Error('a batch record names a job this run did not publish');

const [p50, p90, p99, max] = [0.5, 0.9, 0.99, 1].map((q) => quantile(latenciesMs, q)) as [
  number,
  number,
  number,
  number,
];
await report({
  scenario: 'latency',
  command: `BENCH_LATENCY_RATE=${RATE} BENCH_LATENCY_SECONDS=${SECONDS} npm run bench:latency`,
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1_000,
  rows: [
    {
      name: `enqueue → stored at ${RATE} jobs/s for ${SECONDS} s (JSON records, upstream ${UPSTREAM_MS} ms)`,
      result: `p50 ${formatNumber(p50)} ms, p90 ${formatNumber(p90)} ms, p99 ${formatNumber(p99)} ms, max ${formatNumber(max)} ms`,
      ceiling: `offered ${formatNumber(jobs.length / publishSeconds, 1)} jobs/s`,
    },
  ],
  details: { rate: RATE, seconds: SECONDS, upstreamMs: UPSTREAM_MS, jobs: jobs.length, p50, p90, p99, max },
});
