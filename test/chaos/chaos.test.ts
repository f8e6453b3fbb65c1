import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosRunResult, chaosTable } from '../support/chaos/chaos-run.ts';
import { chaosRun, expectExact } from '../support/chaos/chaos-suite.ts';
import { LocalServers } from '../support/local-servers.ts';

// The end-to-end workload while processes are SIGKILLed, the broker restarts and the database goes away, at
// moments drawn from a seed that every run prints (CHAOS_SEED repeats one). The broker and database are this
// suite's own: the servers the other suites share never see a restart.

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const FAULTS = { killsEach: 3, brokerRestarts: 2, databaseOutages: 2, databaseOutageSeconds: 10 };

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

describe('the pipeline under chaos', () => {
  it('ends in the exact state of a run without faults through kills of every service, broker restarts and database outages', async () => {
    const result = await chaosRun({
      name: 'single',
      broker: servers,
      mongoUrl: servers.mongoUrl,
      faults: servers,
      stages: { transformWorkers: 2 },
      perHostRate: 10,
      seed: SEED,
      schedule: FAULTS,
    });
    rows.push({ name: 'single', result });
    expectExact(result, FAULTS.killsEach);
    expect(result.fired.filter((entry) => entry.event.kind === 'kill').length).toBe(9);
  }, 600_000);

  it('does the same with two replicas of every stage, each killed on its own, the writers racing on older fetches', async () => {
    const result = await chaosRun({
      name: 'replicas',
      broker: servers,
      mongoUrl: servers.mongoUrl,
      faults: servers,
      stages: { fetchers: 2, transformers: 2, writers: 2, transformWorkers: 1 },
      perHostRate: 5,
      seed: SEED + 1,
      schedule: FAULTS,
      staleFetches: 60,
    });
    rows.push({ name: 'replicas', result });
    expectExact(result, FAULTS.killsEach);
    expect(result.fired.filter((entry) => entry.event.kind === 'kill').length).toBe(18);
  }, 600_000);
});
