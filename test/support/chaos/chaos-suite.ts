import { randomBytes, randomUUID } from 'node:crypto';
import { BATCH_COLLECTIONS, type BatchJobRecord, topologyNames } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { BrokerConnection, DEFAULT_DELAY_BUCKETS_MS, Publisher } from '@tributary/messaging';
import type { Db } from 'mongodb';
import { expect, onTestFailed } from 'vitest';
import { TestPipeline, type TestPipelineOptions } from '../pipeline.ts';
import { waitFor } from '../wait-for.ts';
import { storeMessageFor } from '../workload/expected-store.ts';
import { buildWorkload, WORKLOAD_FETCH_SETTINGS, type Workload } from '../workload/workload.ts';
import { type ChaosRunResult, runChaos, type ServerFaults } from './chaos-run.ts';
import { type ChaosPlan, chaosSchedule } from './schedule.ts';
import { stallReport } from './stall-report.ts';

/** The demo API fetched at three loopback addresses: three hosts to the fetcher. */
const DEMO_HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
/** No restart budget: the launcher starts every killed process again, however often the schedule kills it. */
const ALWAYS_RESTART = { maxRestarts: 1_000, windowMs: 60_000, baseDelayMs: 200, maxDelayMs: 1_000 };

export interface ChaosSuiteRun {
  /** Names the run in the table, its database, its queue prefix and its batch. */
  name: string;
  broker: { amqpUrl: string; managementUrl: string };
  mongoUrl: string;
  faults: ServerFaults;
  stages: Pick<TestPipelineOptions, 'fetchers' | 'transformers' | 'writers' | 'transformWorkers'>;
  /** Slower than the machine could go, so that the faults land while work is in flight. */
  perHostRate: number;
  seed: number;
  /** What to do besides the kills (their count is `killsEach` per process). */
  schedule: Omit<ChaosPlan, 'seed' | 'processes' | 'from' | 'to'>;
  /**
   * Sources of the workload that get an older fetch with other content, published straight to the store stage
   * once another writer has stored the newer one (half at 30 % of the batch, half at 60 %): a writer receives a
   * fetch older than what another has stored, while the kills go on. The end must be the same.
   */
  staleFetches?: number;
}

/** One chaos run of the end-to-end workload (1,000 jobs, every fault kind four times) on a pipeline of its own. */
export async function chaosRun(run: ChaosSuiteRun): Promise<ChaosRunResult> {
  const { name } = run;
  const pipeline = await TestPipeline.start({
    ...run.stages,
    servers: { ...run.broker, mongoUrl: run.mongoUrl, dbName: `chaos_${name}` },
    extraDemoHosts: DEMO_HOSTS.slice(1),
    restart: ALWAYS_RESTART,
    env: {
      ...WORKLOAD_FETCH_SETTINGS,
      FETCH_PER_HOST_RATE: String(run.perHostRate),
      TRIBUTARY_PREFIX: `chaos-${name}.`,
      // A message returns unacked at each crash of the consumer holding it; five such returns are a poison
      // message to a normal deployment, but here one message may be held through several kills on purpose.
      QUEUE_DELIVERY_LIMIT: '50',
    },
  });
  onTestFailed(() => {
    process.stderr.write(`the processes' last output lines:\n${pipeline.lastLines(150)}\n`);
  });
  try {
    const workload = buildWorkload({
      origins: DEMO_HOSTS.map((host) => `http://${host}:${pipeline.demoPort}`),
      jobs: 1_000,
      perFault: 4,
      duplicates: 20,
      seed: run.seed,
    });
    const events = chaosSchedule({
      ...run.schedule,
      seed: run.seed,
      processes: pipeline.system.processNames.filter((process) => process !== 'demo-api'),
      from: 0.03,
      to: 0.8,
    });
    const log = (line: string) => process.stdout.write(`[${name}] ${line}\n`);
    const result = await runChaos({
      pipeline,
      servers: run.faults,
      workload,
      events,
      batch: `chaos-${name}`,
      log,
      describeStall: () => stallReport(pipeline, run.broker.managementUrl, `chaos-${name}.`),
      ...(run.staleFetches
        ? { alongside: (progress) => publishStaleFetches(run, () => pipeline.db, workload, progress, log) }
        : {}),
    });
    for (const trend of result.memory) {
      process.stdout.write(
        `[${name}] ${trend.name}: ${trend.firstThirdMb} → ${trend.lastThirdMb} MB over its longest run after ` +
          `warm-up (${trend.seconds} s), peak ${trend.peakMb} MB\n`,
      );
    }
    return result;
  } finally {
    await pipeline.stop();
  }
}

/** The final state equals the computed one, nothing is left in flight, no memory rises, every kill happened. */
export function expectExact(result: ChaosRunResult, killsEach: number): void {
  const { lost, duplicated, wrong } = result.differences;
  expect({ lost, duplicated, wrong }).toEqual({ lost: [], duplicated: [], wrong: [] });
  expect(result.observed.batch.inFlight).toBe(0);
  expect(result.memory.filter((trend) => trend.rising)).toEqual([]);
  const kills = new Map<string, number>();
  for (const { event } of result.fired) {
    if (event.kind === 'kill') kills.set(event.process, (kills.get(event.process) ?? 0) + 1);
  }
  for (const count of kills.values()) expect(count).toBe(killsEach);
}

/** An older fetch of a page, with other content: its seventh revision, fetched in 2001. */
const STALE = { revision: { version: 7 }, fetchedAt: new Date('2001-01-01T00:00:00Z') };

async function publishStaleFetches(
  run: ChaosSuiteRun,
  db: () => Db,
  workload: Workload,
  progress: () => number,
  log: (line: string) => void,
): Promise<void> {
  const pages = workload.jobs.filter((job) => job.kind === 'clean' && job.route === 'pages');
  const logger = createLogger({ service: 'chaos-stale-fetches', level: 'silent' });
  const connection = new BrokerConnection({
    urls: run.broker.amqpUrl.split(','),
    name: 'chaos-stale-fetches',
    logger,
    // As the services declare it (chaosRun's settings), or the broker refuses the declaration.
    topology: {
      names: topologyNames(`chaos-${run.name}.`),
      delayBucketsMs: DEFAULT_DELAY_BUCKETS_MS,
      maxLength: 100_000,
      deliveryLimit: 50,
    },
  });
  connection.start();
  const publisher = new Publisher(connection, { logger });
  publisher.start();
  const published = new Set<string>();
  /** Older fetches of pages whose newer fetch the batch records as stored, and that have none yet. */
  const wave = async (atProgress: number, count: number) => {
    await waitFor(() => progress() >= atProgress, {
      timeoutMs: 600_000,
      intervalMs: 200,
      what: `${atProgress}`,
    });
    // Read again until it answers: a database outage of the schedule may be going on.
    let stored = new Set<string>();
    await waitFor(
      async () => {
        try {
          const records = await db()
            .collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs)
            .find({ outcome: 'stored' }, { projection: { jobId: 1 } })
            .toArray();
          stored = new Set(records.map((record) => record.jobId));
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: `the stored pages at ${atProgress}` },
    );
    const chosen = pages.filter((job) => stored.has(job.jobId) && !published.has(job.jobId)).slice(0, count);
    if (chosen.length < count) {
      throw new Error(
        `only ${chosen.length} stored pages to send ${count} older fetches of at ${atProgress}`,
      );
    }
    const messages = await Promise.all(
      chosen.map((job) =>
        storeMessageFor(job, new Map([[`pages/${job.contentId}`, STALE.revision]]), STALE.fetchedAt),
      ),
    );
    await Promise.all(
      messages.map((message) =>
        publisher.publishToStage('store', message, {
          messageId: randomUUID().replaceAll('-', ''),
          traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
        }),
      ),
    );
    for (const job of chosen) published.add(job.jobId);
    log(`${chosen.length} older fetches of stored pages published to the store stage`);
  };
  try {
    const half = Math.ceil((run.staleFetches ?? 0) / 2);
    await wave(0.3, half);
    await wave(0.6, (run.staleFetches ?? 0) - half);
  } finally {
    await publisher.close();
    await connection.close();
  }
}
