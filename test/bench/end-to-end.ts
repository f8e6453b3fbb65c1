// The whole pipeline against an in-process baseline on the same jobs: what running as separate services with a
// broker between them costs, and where the CPU goes.
//   npm run bench:end-to-end          (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_JSON_RECORDS=1000 BENCH_HTML_PAGES=200 BENCH_WORKLOADS=json,mix npm run bench:end-to-end
//
// Workloads, from the demo API at BENCH_LATENCY_MS (default 300) per response: BENCH_JSON_RECORDS JSON records
// (default 20,000), BENCH_HTML_PAGES HTML pages of about 27 KB (default 3,000), and their mix, a tenth of the
// records and a third of the pages interleaved (2,000 + 1,000 at the defaults). BENCH_WORKLOADS picks some of
// json, html, mix.
//
// Each workload gets a fresh system (its own vhost and database; demo API, fetcher, transformer with 2 workers
// and one writer, each its own process, started by the launcher users run) with the settings of the issue's
// measurement: fetch concurrency 500 with no per-host limit, jobs in a batch (tracking on), durable queues.
// 1. Pipeline: records/s from the first publish to the last source stored.
// 2. Baseline (baseline.ts): the same URLs but for a query parameter, so nothing is cached or found unchanged,
//    in this process with a database of its own on the same server; it must store as many chunks.
// 3. Ceilings: the baseline's inserts made again alone into a fresh database (what the database takes), and the
//    ideal fetch, N × latency / concurrency.
// The CPU seconds of every process during 1 and 2 (Linux /proc): each service with its children, the broker and
// the database found by the ports in use, this process, and what other work on the machine took meanwhile.
import { type FetchJob, jobIdFor } from '@tributary/contracts';
import { loadConfig } from '@tributary/core';
import { writerSettings } from '@tributary/writer';
import { useDatabase } from '../support/index.ts';
import { type BaselineRun, runBaseline } from './baseline.ts';
import type { UsageReport } from './process-usage.ts';
import { RawStore, replayInserts } from './raw-store.ts';
import { type BenchRow, formatNumber, report } from './results.ts';
import {
  BenchSystem,
  BROKER_LABEL,
  DATABASE_LABEL,
  type PipelineRun,
  PUBLISHER_LABEL,
} from './system-harness.ts';

const JSON_RECORDS = intFromEnv('BENCH_JSON_RECORDS', 20_000, 1);
const HTML_PAGES = intFromEnv('BENCH_HTML_PAGES', 3_000, 1);
const LATENCY_MS = intFromEnv('BENCH_LATENCY_MS', 300, 0);
const WORKLOAD_KEYS = ['json', 'html', 'mix'] as const;
type WorkloadKey = (typeof WORKLOAD_KEYS)[number];
const CHOSEN = chosenWorkloads(process.env.BENCH_WORKLOADS);

/** The measurement: fetch concurrency 500 and no per-host limit; 2 transformer workers, the cores. */
const CONCURRENCY = 500;
const TRANSFORM_WORKERS = 2;
const SETTINGS: Record<string, string> = {
  FETCH_CONCURRENCY: String(CONCURRENCY),
  FETCH_PER_HOST_CONCURRENCY: String(CONCURRENCY),
  FETCH_PER_HOST_RATE: '0',
  // Every page of the largest workload stays rendered in the demo API, for both runs alike.
  DEMO_CACHE_MB: '256',
};
/** The baseline's own process, as its CPU line names it ("baseline: process 7.0, database 2.1"). */
const BASELINE_LABEL = 'process';
/**
 * The processes each run's CPU (and memory) is counted over. The demo API (the upstream) is left out of both, and so are the
 * services and the broker during the baseline, where they only idle; the report's JSON has them all.
 */
const PIPELINE_CPU_LABELS = [
  'fetcher',
  'transformer',
  'writer',
  BROKER_LABEL,
  DATABASE_LABEL,
  PUBLISHER_LABEL,
];
const BASELINE_CPU_LABELS = [BASELINE_LABEL, DATABASE_LABEL];

interface Workload {
  key: WorkloadKey;
  /** e.g. "20,000 JSON records". */
  name: string;
  /** Demo API paths, in the order they are published. */
  paths: string[];
  /** The goal for pipeline / baseline, where it states one. */
  goal?: number;
}

/** The baseline's run without the inserts it kept for the ceiling. */
type BaselineResult = Omit<BaselineRun, 'batches'>;

interface Measured {
  workload: Workload;
  pipeline: PipelineRun;
  baseline: BaselineResult;
  /** Seconds to make the baseline's inserts again alone, into a fresh database. */
  rawInsertSeconds: number;
  idealFetchSeconds: number;
}

function workloads(): Workload[] {
  const records = (count: number) => Array.from({ length: count }, (_, i) => `/records/${i}`);
  const pages = (count: number) => Array.from({ length: count }, (_, i) => `/pages/${i}`);
  const mixRecords = Math.max(1, Math.round(JSON_RECORDS / 10));
  const mixPages = Math.max(1, Math.round(HTML_PAGES / 3));
  const all: Workload[] = [
    {
      key: 'json',
      name: `${formatNumber(JSON_RECORDS)} JSON records`,
      paths: records(JSON_RECORDS),
      goal: 0.7,
    },
    { key: 'html', name: `${formatNumber(HTML_PAGES)} HTML pages`, paths: pages(HTML_PAGES), goal: 0.85 },
    {
      key: 'mix',
      name: `mix of ${formatNumber(mixRecords)} JSON records + ${formatNumber(mixPages)} HTML pages`,
      paths: interleave(records(mixRecords), pages(mixPages)),
    },
  ];
  return all.filter((workload) => CHOSEN.includes(workload.key));
}

/** Both lists, each spread evenly over the whole. */
function interleave(a: readonly string[], b: readonly string[]): string[] {
  const at = (list: readonly string[]) => list.map((path, i) => ({ path, at: (i + 0.5) / list.length }));
  return [...at(a), ...at(b)].sort((x, y) => x.at - y.at).map(({ path }) => path);
}

/** The jobs of one run: `run` in every URL makes them new URLs (new job ids) for the same content. */
function jobsFor(workload: Workload, demoUrl: string, run: string): FetchJob[] {
  return workload.paths.map((path) => {
    const url = `${demoUrl}${path}?latency=${LATENCY_MS}&run=${run}`;
    return { id: jobIdFor({ url }), url, batch: run };
  });
}

async function measure(workload: Workload): Promise<Measured> {
  const count = workload.paths.length;
  const timeoutMs = 120_000 + count * 100;
  const tag = `${workload.key}-${Date.now().toString(36)}`;
  await using system = await BenchSystem.start({ settings: SETTINGS, transformWorkers: TRANSFORM_WORKERS });
  const pipeline = await system.run(jobsFor(workload, system.demoUrl, `pipeline-${tag}`), { timeoutMs });
  console.log(`${workload.name}: pipeline ${rate(count, pipeline.seconds)} (${pipeline.documents} chunks)`);

  await using baselineDatabase = await useDatabase();
  const { batches, ...baseline } = await runBaseline({
    jobs: jobsFor(workload, system.demoUrl, `baseline-${tag}`),
    env: system.env,
    db: baselineDatabase.db,
    writerDb: system.database.db,
    transformThreads: TRANSFORM_WORKERS,
    usageTargets: system.usageTargets(BASELINE_LABEL),
  });
  console.log(`${workload.name}: baseline ${rate(count, baseline.seconds)} (${baseline.documents} chunks)`);
  expectSameStore(workload, pipeline, baseline);

  await using rawDatabase = await useDatabase();
  const rawStore = new RawStore(rawDatabase.db, loadConfig(writerSettings, system.env));
  await rawStore.prepare(system.database.db);
  const rawInsertSeconds = await replayInserts(rawStore, batches);
  const idealFetchSeconds = (count * LATENCY_MS) / 1_000 / CONCURRENCY;
  return { workload, pipeline, baseline, rawInsertSeconds, idealFetchSeconds };
}

/** Both did the same work: every source, every chunk, every batch record. */
function expectSameStore(workload: Workload, pipeline: PipelineRun, baseline: BaselineResult): void {
  const count = workload.paths.length;
  const problems = [
    pipeline.sources === count && baseline.sources === count
      ? undefined
      : `sources: pipeline ${pipeline.sources}, baseline ${baseline.sources}, expected ${count}`,
    pipeline.documents === baseline.documents
      ? undefined
      : `chunk documents: pipeline ${pipeline.documents}, baseline ${baseline.documents}`,
    pipeline.batchJobs === count && baseline.batchJobs === count
      ? undefined
      : `batch records: pipeline ${pipeline.batchJobs}, baseline ${baseline.batchJobs}, expected ${count}`,
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) {
    throw new Error(`${workload.name}: the runs stored different things: ${problems.join('; ')}`);
  }
}

function rowsOf(measured: Measured): BenchRow[] {
  const { workload, pipeline, baseline } = measured;
  const count = workload.paths.length;
  const pipelineRate = count / pipeline.seconds;
  const baselineRate = count / baseline.seconds;
  const documents = pipeline.documents;
  const rawRate = count / measured.rawInsertSeconds;
  const idealRate = count / measured.idealFetchSeconds;
  const ratio = pipelineRate / baselineRate;
  const pipelineCpu = totalCpu(pipeline.usage, PIPELINE_CPU_LABELS);
  const baselineCpu = totalCpu(baseline.usage, BASELINE_CPU_LABELS);
  return [
    {
      name: `${workload.name} end to end, pipeline / in-process baseline`,
      result: `${rate(count, pipeline.seconds)} (${seconds(pipeline.seconds)}, ${formatNumber(documents)} chunks)`,
      ceiling: `baseline ${rate(count, baseline.seconds)} (${seconds(baseline.seconds)}, ${formatNumber(baseline.documents)} chunks)`,
      ratio,
      ...(workload.goal === undefined ? {} : { goal: `≥ ${workload.goal}×`, met: ratio >= workload.goal }),
    },
    {
      name: `${workload.name}, pipeline / raw database inserts of the same documents alone`,
      result: `${formatNumber(pipelineRate)} records/s`,
      ceiling: `${formatNumber(rawRate)} records/s (${formatNumber(documents / measured.rawInsertSeconds)} documents/s)`,
      ratio: pipelineRate / rawRate,
    },
    // Without latency there is no fetch time to stand against.
    ...(LATENCY_MS === 0
      ? []
      : [
          {
            name: `${workload.name}, pipeline / ideal fetch (N × ${LATENCY_MS} ms / ${CONCURRENCY})`,
            result: seconds(pipeline.seconds),
            ceiling: `${seconds(measured.idealFetchSeconds)} (${formatNumber(idealRate)} records/s)`,
            ratio: pipelineRate / idealRate,
          },
        ]),
    {
      name: `${workload.name}, CPU seconds by process, pipeline / baseline`,
      result: cpuLine(pipeline.usage, PIPELINE_CPU_LABELS),
      ceiling: `baseline: ${cpuLine(baseline.usage, BASELINE_CPU_LABELS)}`,
      ...(pipelineCpu > 0 && baselineCpu > 0 ? { ratio: pipelineCpu / baselineCpu } : {}),
    },
    {
      name: `${workload.name}, peak resident memory (MB), pipeline / baseline`,
      // The publisher is this process, which holds the baseline's inserts too: its memory says nothing here.
      result: rssLine(
        pipeline.usage,
        PIPELINE_CPU_LABELS.filter((label) => label !== PUBLISHER_LABEL),
      ),
      ceiling: `baseline: ${rssLine(baseline.usage, BASELINE_CPU_LABELS)}`,
    },
  ];
}

/** CPU seconds of `labels` together. */
function totalCpu(usage: UsageReport | undefined, labels: readonly string[]): number {
  if (usage === undefined) return 0;
  return labels.reduce((sum, label) => sum + (usage.byLabel[label]?.cpuSeconds ?? 0), 0);
}

/** `fetcher 1.2, transformer 8.3 (transform threads 6.1), …; total 20.1; other work on the machine 3.0`. */
function cpuLine(usage: UsageReport | undefined, labels: readonly string[]): string {
  if (usage === undefined) return 'not measured (no /proc)';
  const parts = labels.map((label) => {
    const cpu = usage.byLabel[label];
    if (cpu === undefined) return `${label} n/a`;
    const threads =
      cpu.transformThreadSeconds > 0 ? ` (transform threads ${cpu.transformThreadSeconds.toFixed(1)})` : '';
    const others = usage.otherClients[label]?.length ?? 0;
    const shared = others > 0 ? ` (shared with ${others} other client${others > 1 ? 's' : ''})` : '';
    return `${label} ${cpu.cpuSeconds.toFixed(1)}${threads}${shared}`;
  });
  return (
    `${parts.join(', ')}; total ${totalCpu(usage, labels).toFixed(1)}; ` +
    `other work on the machine ${usage.otherSeconds.toFixed(1)}`
  );
}

function rssLine(usage: UsageReport | undefined, labels: readonly string[]): string {
  if (usage === undefined) return 'not measured (no /proc)';
  return labels.map((label) => `${label} ${usage.byLabel[label]?.peakRssMb ?? 'n/a'}`).join(', ');
}

const rate = (count: number, elapsedSeconds: number) => `${formatNumber(count / elapsedSeconds)} records/s`;
const seconds = (value: number) => `${value.toFixed(1)} s`;

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function chosenWorkloads(raw: string | undefined): WorkloadKey[] {
  if (raw === undefined || raw.trim() === '') return [...WORKLOAD_KEYS];
  const keys = raw.split(',').map((key) => key.trim());
  const unknown = keys.filter((key) => !(WORKLOAD_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new Error(`BENCH_WORKLOADS must list some of ${WORKLOAD_KEYS.join(', ')}, got "${raw}"`);
  }
  return keys as WorkloadKey[];
}

const startedAt = new Date();
const measured: Measured[] = [];
for (const workload of workloads()) measured.push(await measure(workload));
await report({
  scenario: 'end-to-end',
  command:
    `BENCH_JSON_RECORDS=${JSON_RECORDS} BENCH_HTML_PAGES=${HTML_PAGES} BENCH_LATENCY_MS=${LATENCY_MS} ` +
    `BENCH_WORKLOADS=${CHOSEN.join(',')} npm run bench:end-to-end`,
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1_000,
  rows: measured.flatMap(rowsOf),
  details: {
    settings: {
      ...SETTINGS,
      transformWorkers: TRANSFORM_WORKERS,
      latencyMs: LATENCY_MS,
      batchTracking: true,
    },
    workloads: measured.map(({ workload, pipeline, baseline, rawInsertSeconds, idealFetchSeconds }) => ({
      name: workload.name,
      jobs: workload.paths.length,
      pipeline,
      baseline,
      rawInsertSeconds,
      idealFetchSeconds,
    })),
  },
});
