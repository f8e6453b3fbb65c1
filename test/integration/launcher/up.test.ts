import { afterEach, describe, expect, it } from 'vitest';
import { type TestBroker, type TestDatabase, useBroker, useDatabase } from '../../support/index.ts';
import { freePortRange } from '../../support/ports.ts';
import { groupAlive, killUp, pidAlive, readyProcesses, startUp, type UpProcess } from './harness.ts';

// `tributary up` as a user runs it, against the test's own vhost and database (AMQP_URL and MONGO_URL set, so
// it starts no infrastructure), on free ports, with its output a pipe: one JSON line per log line.

const READY_TIMEOUT_MS = 90_000;
const GRACE_PERIOD_S = 20;

let broker: TestBroker | undefined;
let database: TestDatabase | undefined;
let up: UpProcess | undefined;
let pids: number[] = [];

afterEach(async () => {
  await killUp(up, pids);
  await broker?.[Symbol.asyncDispose]();
  await database?.[Symbol.asyncDispose]();
  up = undefined;
  broker = undefined;
  database = undefined;
  pids = [];
});

async function startIsolated(extraArgs: readonly string[] = []): Promise<UpProcess> {
  broker = await useBroker();
  database = await useDatabase();
  const httpPortBase = await freePortRange(4);
  const started = startUp(
    [
      '--no-demo',
      '--workers',
      '1',
      '--http-port-base',
      String(httpPortBase),
      '--demo-port',
      String(httpPortBase + 3),
      '--grace-period',
      String(GRACE_PERIOD_S),
      ...extraArgs,
    ],
    {
      AMQP_URL: broker.amqpUrl,
      RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
      MONGO_URL: database.mongoUrl,
      MONGO_DB: database.dbName,
      LOG_LEVEL: 'info',
    },
  );
  up = started;
  return started;
}

const isReadyLine = (line: Record<string, unknown>) =>
  line.process === 'up' && line.msg === 'every process is ready';

describe('tributary up', () => {
  it('runs every service as its own process until SIGINT, then stops them in pipeline order and exits 0', async () => {
    const system = await startIsolated();
    const ready = await system.waitForLine('every process ready', isReadyLine, READY_TIMEOUT_MS);
    const processes = readyProcesses(ready);
    pids = processes.map((entry) => entry.pid);
    expect(processes.map((entry) => entry.name)).toEqual([
      'demo-api',
      'fetcher-1',
      'transformer-1',
      'writer-1',
    ]);
    for (const entry of processes) {
      const path = entry.name === 'demo-api' ? '/healthz' : '/readyz';
      expect((await fetch(`http://127.0.0.1:${entry.httpPort}${path}`)).status, entry.name).toBe(200);
    }
    // Every service line is its own JSON line, tagged with the process that wrote it.
    for (const name of ['demo-api', 'fetcher-1', 'transformer-1', 'writer-1']) {
      expect(
        system.lines().some((line) => line.process === name && line.msg === 'started'),
        name,
      ).toBe(true);
    }
    await system.waitForLine('where to look', (line) => line.msg === 'where to look', 5_000);

    const stopAt = Date.now();
    system.child.kill('SIGINT');
    expect(await system.exit(GRACE_PERIOD_S * 1000 + 10_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopAt).toBeLessThan(GRACE_PERIOD_S * 1000);

    const exits = system.lines().filter((line) => line.process === 'up' && line.msg === 'process exited');
    expect(exits.map((line) => line.processName)).toEqual([
      'fetcher-1',
      'transformer-1',
      'writer-1',
      'demo-api',
    ]);
    expect(exits.map((line) => line.code)).toEqual([0, 0, 0, 0]);
    for (const entry of processes) {
      expect(pidAlive(entry.pid), `${entry.name} (pid ${entry.pid})`).toBe(false);
      expect(groupAlive(entry.pid), `processes of ${entry.name}'s group`).toBe(false);
    }
  });

  it('reports a service killed with SIGKILL, with its last lines, kills what it left, and restarts it', async () => {
    const system = await startIsolated();
    const ready = await system.waitForLine('every process ready', isReadyLine, READY_TIMEOUT_MS);
    const processes = readyProcesses(ready);
    pids = processes.map((entry) => entry.pid);
    const transformer = processes.find((entry) => entry.name === 'transformer-1');
    if (!transformer) throw new Error('no transformer-1');
    const worker = system
      .lines()
      .find(
        (line) =>
          line.process === 'transformer-1' && line.msg === 'worker forked' && typeof line.pid === 'number',
      );
    const workerPid = worker?.pid as number;
    expect(pidAlive(workerPid)).toBe(true);

    process.kill(transformer.pid, 'SIGKILL');

    const report = await system.waitForLine(
      'the report of the killed transformer',
      (line) => line.process === 'up' && line.level === 'error' && line.processName === 'transformer-1',
      10_000,
    );
    expect(report).toMatchObject({ pid: transformer.pid, code: null, signal: 'SIGKILL' });
    expect(report.msg).toBe('transformer-1 exited unexpectedly (signal SIGKILL)');
    expect(report.lastLines).toEqual(
      expect.arrayContaining([expect.stringContaining('"msg":"worker forked"')]),
    );
    // Its worker, orphaned by the kill, does not outlive it.
    await expect.poll(() => pidAlive(workerPid), { timeout: 5_000 }).toBe(false);

    const restarted = await system.waitForLine(
      'transformer-1 restarted',
      (line) =>
        line.process === 'up' && line.msg === 'process restarted' && line.processName === 'transformer-1',
      READY_TIMEOUT_MS,
    );
    expect(restarted.pid).not.toBe(transformer.pid);
    expect(restarted.restarts).toBe(1);
    pids.push(restarted.pid as number);
    expect((await fetch(`http://127.0.0.1:${transformer.httpPort}/readyz`)).status).toBe(200);

    system.child.kill('SIGTERM');
    expect(await system.exit(GRACE_PERIOD_S * 1000 + 10_000)).toEqual({ code: 0, signal: null });
    for (const pid of [...pids, workerPid]) expect(pidAlive(pid), `pid ${pid}`).toBe(false);
  });
});
