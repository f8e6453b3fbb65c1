// The memory of every process while the pipeline drains a backlog: it must not grow with the backlog (the broker
// holds the backlog, not the services), and each service process stays under 200 MB at full speed.
//   npm run bench:memory          (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_MEMORY_JOBS=1000000 BENCH_MEMORY_SECONDS=180 BENCH_MEMORY_RAW=100000 npm run bench:memory
//
// 1. Fetch backlog: a fresh system (demo API with no latency, fetcher at concurrency 500 and no per-host limit,
//    transformer with 2 workers, one writer; QUEUE_MAX_LENGTH raised to hold every job). BENCH_MEMORY_JOBS jobs
//    are published to fetch.jobs while the pipeline already runs, then it runs on for BENCH_MEMORY_SECONDS. The
//    broker's memory is read before and after the publishing (what the backlog costs it).
// 2. Transform backlog: a fresh system, BENCH_MEMORY_RAW RawRecords (the demo API's JSON records, every tenth a
//    page, packed as the fetcher packs them) published straight to transform.raw, drained for BENCH_MEMORY_SECONDS.
// Every process of the system (a transformer's node:cluster workers each on its own) is sampled each second. The
// first RISING.warmupSeconds of a process are its warm-up; after it, the last third of its samples against the
// first third says whether it grows.

import { setTimeout as sleep } from 'node:timers/promises';
import { type FetchJob, jobIdFor, type RawRecord } from '@tributary/contracts';
import { pageFor, recordFor } from '../../services/demo-api/src/content.ts';
import { rawRecordFor } from '../integration/transformer/harness.ts';
import { RISING, trendOf } from '../support/chaos/rss-sampler.ts';
import { RabbitMQManagement } from '../support/rabbitmq-management.ts';
import { allProcesses } from './proc-stat.ts';
import { type BenchRow, formatNumber, report } from './results.ts';
import { BenchSystem } from './system-harness.ts';

const JOBS = Number(process.env.BENCH_MEMORY_JOBS ?? 1_000_000);
const RAW = Number(process.env.BENCH_MEMORY_RAW ?? 100_000);
const SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 180);
/** The goal per service process at full speed. */
const LIMIT_MB = 200;
const PUBLISH_CHUNK = 10_000;
const MB = 1024 * 1024;

interface Series {
  name: string;
  pid: number;
  samples: { atMs: number; bytes: number }[];
}

/** Samples the resident memory of every process under the system's, each its own series, once a second. */
class ProcessMemory {
  readonly #series = new Map<number, Series>();
  readonly #timer: NodeJS.Timeout;

  constructor(roots: () => readonly { name: string; pid: number | undefined }[]) {
    this.#timer = setInterval(() => {
      const all = allProcesses();
      const atMs = Date.now();
      for (const root of roots()) {
        if (root.pid === undefined) continue;
        let worker = 0;
        for (const stat of all.values()) {
          const isRoot = stat.pid === root.pid;
          if (!isRoot && stat.ppid !== root.pid) continue;
          const name = isRoot ? root.name : `${root.name} worker ${++worker}`;
          let series = this.#series.get(stat.pid);
          if (series === undefined) {
            series = { name, pid: stat.pid, samples: [] };
            this.#series.set(stat.pid, series);
          }
          series.samples.push({ atMs, bytes: stat.rssBytes });
        }
      }
    }, 1_000);
  }

  stop(): Series[] {
    clearInterval(this.#timer);
    return [...this.#series.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

async function brokerMemoryBytes(management: RabbitMQManagement): Promise<number> {
  const nodes = await management.nodes();
  return nodes.reduce((sum, node) => sum + node.mem_used, 0);
}

/** Rows of one phase: each process's peak and trend, against the goal. */
function memoryRows(phase: string, series: readonly Series[]): BenchRow[] {
  return series
    .filter((entry) => !entry.name.startsWith('demo-api'))
    .map((entry) => {
      const trend = trendOf(entry);
      const peakMb = Math.max(...entry.samples.map((sample) => sample.bytes)) / MB;
      return {
        name: `${phase}: ${entry.name} RSS`,
        result:
          `peak ${formatNumber(peakMb)} MB; ${trend.firstThirdMb} → ${trend.lastThirdMb} MB over ${trend.seconds} s ` +
          `after warm-up${trend.rising ? ' (rising)' : ''}`,
        ratio: peakMb / LIMIT_MB,
        goal: `< ${LIMIT_MB} MB, not rising`,
        met: peakMb < LIMIT_MB && !trend.rising,
      };
    });
}

async function fetchBacklog(management: RabbitMQManagement): Promise<{ rows: BenchRow[]; details: object }> {
  await using system = await BenchSystem.start({
    settings: {
      QUEUE_MAX_LENGTH: String(Math.max(100_000, 2 * JOBS)),
      FETCH_CONCURRENCY: '500',
      FETCH_PER_HOST_CONCURRENCY: '500',
      FETCH_PER_HOST_RATE: '0',
    },
    transformWorkers: 2,
  });
  const memory = new ProcessMemory(() => system.processes());
  const brokerBefore = await brokerMemoryBytes(management);
  const run = Date.now();
  const started = performance.now();
  for (let from = 0; from < JOBS; from += PUBLISH_CHUNK) {
    const jobs: FetchJob[] = Array.from({ length: Math.min(PUBLISH_CHUNK, JOBS - from) }, (_, i) => {
      const url = `${system.demoUrl}/records/${from + i}?run=${run}`;
      return { id: jobIdFor({ url }), url, batch: 'bench-memory' };
    });
    await Promise.all(jobs.map((job) => system.publish(job)));
  }
  const publishSeconds = (performance.now() - started) / 1_000;
  const brokerAfter = await brokerMemoryBytes(management);
  const storedAtBacklog = await system.sourcesStored();
  console.log(
    `published ${formatNumber(JOBS)} jobs in ${publishSeconds.toFixed(1)} s; broker memory ` +
      `${formatNumber(brokerBefore / MB)} → ${formatNumber(brokerAfter / MB)} MB`,
  );
  await sleep(SECONDS * 1_000);
  const stored = (await system.sourcesStored()) - storedAtBacklog;
  const series = memory.stop();
  const brokerEnd = await brokerMemoryBytes(management);
  return {
    rows: [
      {
        name: `broker memory for a backlog of ${formatNumber(JOBS)} fetch jobs`,
        result: `${formatNumber((brokerAfter - brokerBefore) / MB)} MB more (${formatNumber(brokerAfter / MB)} MB in all; ${formatNumber(brokerEnd / MB)} MB at the end)`,
      },
      {
        name: `fetch backlog: sources stored over ${SECONDS} s after publishing`,
        result: `${formatNumber(stored)} (${formatNumber(stored / SECONDS)} records/s)`,
      },
      ...memoryRows('fetch backlog', series),
    ],
    details: {
      jobs: JOBS,
      publishSeconds,
      brokerBefore,
      brokerAfter,
      brokerEnd,
      stored,
      series: summarise(series),
    },
  };
}

async function transformBacklog(): Promise<{ rows: BenchRow[]; details: object }> {
  await using system = await BenchSystem.start({
    settings: { QUEUE_MAX_LENGTH: String(Math.max(100_000, 2 * RAW)) },
    transformWorkers: 2,
  });
  const memory = new ProcessMemory(() => system.processes());
  // JSON records with every tenth a page, as the demo API serves them: a backlog of pages alone would be gigabytes
  // in the broker. A few hundred distinct bodies, repeated under distinct URLs: the work per record is the same.
  const bodies = Array.from({ length: 500 }, (_, i) =>
    i % 10 === 0
      ? { body: pageFor(i).html, contentType: 'text/html; charset=utf-8' }
      : { body: JSON.stringify(recordFor(i)), contentType: 'application/json' },
  );
  for (let from = 0; from < RAW; from += PUBLISH_CHUNK) {
    const records: RawRecord[] = Array.from({ length: Math.min(PUBLISH_CHUNK, RAW - from) }, (_, i) => {
      const { body, contentType } = bodies[(from + i) % bodies.length] as (typeof bodies)[number];
      return rawRecordFor(`${system.demoUrl}/raw/${from + i}`, body, contentType, {
        fetchedAt: new Date().toISOString(),
      });
    });
    await Promise.all(records.map((record) => system.publishToStage('transform', record)));
  }
  const storedAtBacklog = await system.sourcesStored();
  await sleep(SECONDS * 1_000);
  const stored = (await system.sourcesStored()) - storedAtBacklog;
  const series = memory.stop();
  const transformer = series.filter((entry) => entry.name.startsWith('transformer'));
  return {
    rows: [
      {
        name: `transform backlog of ${formatNumber(RAW)} records (a tenth pages): stored over ${SECONDS} s`,
        result: `${formatNumber(stored)} (${formatNumber(stored / SECONDS, 1)} records/s)`,
      },
      ...memoryRows('transform backlog', transformer),
    ],
    details: { raw: RAW, stored, series: summarise(series) },
  };
}

function summarise(series: readonly Series[]) {
  return series.map((entry) => ({
    ...trendOf(entry),
    samplesMb: entry.samples.map((sample) => Math.round(sample.bytes / MB)),
  }));
}

const startedAt = new Date();
const management = new RabbitMQManagement(process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672');
console.log(
  `memory: ${formatNumber(JOBS)} fetch jobs, then ${formatNumber(RAW)} raw records, ${SECONDS} s each ` +
    `(warm-up ${RISING.warmupSeconds} s)`,
);
const fetchPhase = await fetchBacklog(management);
const transformPhase = await transformBacklog();
await report({
  scenario: 'memory',
  command: `BENCH_MEMORY_JOBS=${JOBS} BENCH_MEMORY_RAW=${RAW} BENCH_MEMORY_SECONDS=${SECONDS} npm run bench:memory`,
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1_000,
  rows: [...fetchPhase.rows, ...transformPhase.rows],
  details: { fetchBacklog: fetchPhase.details, transformBacklog: transformPhase.details },
});
