import { once } from 'node:events';
import { createServer } from 'node:net';
import { LaunchError, LocalSystem, type UnexpectedExit } from '@tributary/cli';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { type TestBroker, type TestDatabase, useBroker, useDatabase } from '../../support/index.ts';
import { freePortRange } from '../../support/ports.ts';
import { groupAlive, pidAlive } from './harness.ts';

// The launcher as a library, the way whole-system tests (end-to-end, chaos) start the system.

let broker: TestBroker | undefined;
let database: TestDatabase | undefined;
let system: LocalSystem | undefined;
let output: string[] = [];

afterEach(async () => {
  system?.forceStop();
  await system?.stop();
  await broker?.[Symbol.asyncDispose]();
  await database?.[Symbol.asyncDispose]();
  system = undefined;
  broker = undefined;
  database = undefined;
  output = [];
});

async function isolatedSystem(
  options: { env?: Record<string, string>; fetchers?: number } = {},
): Promise<LocalSystem> {
  onTestFailed(() => {
    process.stderr.write(`the processes' last output lines:\n${output.slice(-80).join('\n')}\n`);
  });
  broker = await useBroker();
  database = await useDatabase();
  const httpPortBase = await freePortRange((options.fetchers ?? 1) + 3);
  system = new LocalSystem({
    env: {
      ...process.env,
      AMQP_URL: broker.amqpUrl,
      RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
      MONGO_URL: database.mongoUrl,
      MONGO_DB: database.dbName,
      ...options.env,
    },
    fetchers: options.fetchers ?? 1,
    transformWorkers: 1,
    httpPortBase,
    demoPort: httpPortBase + (options.fetchers ?? 1) + 2,
    readyTimeoutMs: 90_000,
    gracePeriodMs: 20_000,
    restart: { maxRestarts: 2, windowMs: 60_000, baseDelayMs: 200, maxDelayMs: 1_000 },
    onLine: (name, line) => output.push(`${name} ${line}`),
  });
  return system;
}

describe('LocalSystem', () => {
  it('starts, restarts and kills processes on request, and stops everything once however often asked', async () => {
    const local = await isolatedSystem({ fetchers: 2 });
    const running = await local.start();
    expect(running.endpoints.source).toBe('environment');
    expect(running.demoApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.processes.map((entry) => entry.name)).toEqual([
      'demo-api',
      'fetcher-1',
      'fetcher-2',
      'transformer-1',
      'writer-1',
    ]);
    expect(local.processes().every((entry) => entry.state === 'running' && entry.pid !== undefined)).toBe(
      true,
    );
    const firstPids = local.processes().map((entry) => entry.pid as number);

    const writerBefore = local.processes().find((entry) => entry.name === 'writer-1');
    const writerAfter = await local.restart('writer-1');
    expect(writerAfter).toMatchObject({ name: 'writer-1', state: 'running', restarts: 0 });
    expect(writerAfter.pid).not.toBe(writerBefore?.pid);
    expect((await fetch(writerAfter.readyUrl)).status).toBe(200);

    const exited = once(local, 'exit') as Promise<[UnexpectedExit]>;
    const restarted = once(local, 'restarted');
    const fetcherBefore = local.processes().find((entry) => entry.name === 'fetcher-2');
    local.kill('fetcher-2', 'SIGKILL');
    const [report] = await exited;
    expect(report).toMatchObject({
      name: 'fetcher-2',
      pid: fetcherBefore?.pid,
      signal: 'SIGKILL',
      action: 'restart',
    });
    expect(report.lastLines.length).toBeGreaterThan(0);
    await restarted;
    await local.waitUntilReady('fetcher-2');
    expect(local.processes().find((entry) => entry.name === 'fetcher-2')).toMatchObject({
      state: 'running',
      restarts: 1,
    });

    const pids = [...firstPids, ...local.processes().map((entry) => entry.pid as number)];
    const [first, second] = await Promise.all([local.stop(), local.stop()]);
    expect(first).toEqual({ clean: true, forced: [] });
    expect(second).toBe(first);
    expect(await local.stop()).toBe(first);
    expect(local.state).toBe('stopped');
    for (const pid of pids) {
      expect(pidAlive(pid), `pid ${pid}`).toBe(false);
      expect(groupAlive(pid), `group ${pid}`).toBe(false);
    }
  });

  it('fails to start with the process named and its last lines, and leaves nothing running', async () => {
    const local = await isolatedSystem({ env: { WRITE_BATCH_SIZE: 'many' } });
    const error = await local.start().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ reason: 'process-exited', processName: 'writer-1' });
    expect((error as LaunchError).message).toBe('writer-1 exited (exit code 2) before it was ready');
    expect((error as LaunchError).lastLines.join('\n')).toMatch(/WRITE_BATCH_SIZE must be .*, got "many"/);
    expect(local.state).toBe('stopped');
    expect(local.processes().every((entry) => entry.pid === undefined)).toBe(true);
  });

  it('refuses to start when a port it needs is taken, before it starts anything', async () => {
    const local = await isolatedSystem();
    const fetcherPort = local.processes().find((entry) => entry.name === 'fetcher-1')?.httpPort;
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(fetcherPort, '127.0.0.1', resolve));
    try {
      await expect(local.start()).rejects.toMatchObject({
        reason: 'port-in-use',
        message: expect.stringContaining(`127.0.0.1:${fetcherPort} (fetcher-1)`),
      });
      expect(output).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
