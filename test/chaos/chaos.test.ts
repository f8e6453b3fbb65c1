import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type ChaosRunResult, chaosTable, runChaos } from '../support/chaos/chaos-run.ts';
import { chaosSchedule } from '../support/chaos/schedule.ts';
import { LocalServers } from '../support/local-servers.ts';
import { TestPipeline, type TestPipelineOptions } from '../support/pipeline.ts';
import { buildWorkload, WORKLOAD_FETCH_SETTINGS } from '../support/workload/workload.ts';

// The end-to-end workload while processes are SIGKILLed, the broker restarts and the database goes away, at
// moments drawn from a seed that every run prints (CHAOS_SEED repeats one). The broker and database are this
// suite's own: the servers the other suites share never see a restart.

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const DEMO_HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
/** No restart budget: the launcher starts every killed process again, however often the schedule kills it. */
const ALWAYS_RESTART = { maxRestarts: 1_000, windowMs: 60_000, baseDelayMs: 200, maxDelayMs: 1_000 };

let servers: LocalServers;
const rows: { name: string; result: ChaosRunResult }[] = [];

beforeAll(async () => {
  process.stdout.write(`chaos seed ${SEED} (CHAOS_SEED=${SEED} repeats this run)\n`);
  servers = await LocalServers.start();
}, 300_000);

afterAll(async () => {
  if (rows.length > 0) process.stdout.write(`\n${chaosTable(rows)}\n`);
  await servers?.stop();
}, 120_000);

async function chaosRun(
  name: string,
  options: Pick<TestPipelineOptions, 'fetchers' | 'transformers' | 'writers' | 'transformWorkers'> & {
    perHostRate: number;
    seed: number;
  },
): Promise<ChaosRunResult> {
  const pipeline = await TestPipeline.start({
    ...options,
    servers: {
      amqpUrl: servers.amqpUrl,
      managementUrl: servers.managementUrl,
      mongoUrl: servers.mongoUrl,
      dbName: `chaos_${name}`,
    },
    extraDemoHosts: DEMO_HOSTS.slice(1),
    restart: ALWAYS_RESTART,
    env: {
      ...WORKLOAD_FETCH_SETTINGS,
      // Slower than the machine could go, so that the faults land while work is in flight.
      FETCH_PER_HOST_RATE: String(options.perHostRate),
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
      seed: options.seed,
    });
    const events = chaosSchedule({
      seed: options.seed,
      processes: pipeline.system.processNames.filter((process) => process !== 'demo-api'),
      killsEach: 3,
      brokerRestarts: 2,
      databaseOutages: 2,
      databaseOutageSeconds: 10,
      from: 0.03,
      to: 0.8,
    });
    const result = await runChaos({
      pipeline,
      servers,
      workload,
      events,
      batch: `chaos-${name}`,
      log: (line) => process.stdout.write(`[${name}] ${line}\n`),
    });
    rows.push({ name, result });
    for (const trend of result.memory) {
      process.stdout.write(
        `[${name}] ${trend.name}: ${trend.firstThirdMb} → ${trend.lastThirdMb} MB over its longest run after warm-up ` +
          `(${trend.seconds} s), peak ${trend.peakMb} MB\n`,
      );
    }
    return result;
  } finally {
    await pipeline.stop();
  }
}

function expectExact(result: ChaosRunResult): void {
  const { lost, duplicated, wrong } = result.differences;
  expect({ lost, duplicated, wrong }).toEqual({ lost: [], duplicated: [], wrong: [] });
  expect(result.observed.batch.inFlight).toBe(0);
  expect(result.memory.filter((trend) => trend.rising)).toEqual([]);
  const kills = result.fired.filter((entry) => entry.event.kind === 'kill');
  for (const name of new Set(kills.map((entry) => (entry.event as { process: string }).process))) {
    expect(kills.filter((entry) => (entry.event as { process: string }).process === name).length).toBe(3);
  }
}

describe('the pipeline under chaos', () => {
  it('ends in the exact state of a run without faults through kills of every service, broker restarts and database outages', async () => {
    const result = await chaosRun('single', { transformWorkers: 2, perHostRate: 10, seed: SEED });
    expectExact(result);
    expect(result.fired.filter((entry) => entry.event.kind === 'kill').length).toBe(9);
  }, 600_000);

  it('does the same with two replicas of every stage, each killed on its own', async () => {
    const result = await chaosRun('replicas', {
      fetchers: 2,
      transformers: 2,
      writers: 2,
      transformWorkers: 1,
      perHostRate: 5,
      seed: SEED + 1,
    });
    expectExact(result);
    expect(result.fired.filter((entry) => entry.event.kind === 'kill').length).toBe(18);
  }, 600_000);
});
