import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeBrokerPortRange } from '../../support/ports.ts';
import { groupAlive, killUp, pidAlive, readyProcesses, startUp, type UpProcess } from './harness.ts';

// `tributary up` exactly as `./up.sh` runs it on a machine where nothing runs yet: no AMQP_URL or MONGO_URL, so it
// starts infra/local's RabbitMQ and FerretDB itself, in a state directory nothing has used, on ports of its own.

let up: UpProcess | undefined;
let pids: number[] = [];
let stateDir: string | undefined;

afterEach(async () => {
  await killUp(up, pids);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  up = undefined;
  pids = [];
  stateDir = undefined;
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('tributary up from a fresh state directory', () => {
  it('starts its own broker and database, runs the demo batch to its end, and leaves nothing behind on SIGINT', async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'tributary-up-state-'));
    // RabbitMQ's Erlang distribution listens on the AMQP port + 20000: that port must be free too.
    const ports = await freeBrokerPortRange(8);
    const infra = { amqp: ports, management: ports + 1, prometheus: ports + 2, mongo: ports + 3 };
    const env: Record<string, string> = {
      TRIBUTARY_LOCAL_DIR: stateDir,
      TRIBUTARY_RABBITMQ_NODENAME: `tributary-up-${ports}@localhost`,
      TRIBUTARY_AMQP_PORT: String(infra.amqp),
      TRIBUTARY_RABBITMQ_MANAGEMENT_PORT: String(infra.management),
      TRIBUTARY_RABBITMQ_PROMETHEUS_PORT: String(infra.prometheus),
      TRIBUTARY_MONGO_PORT: String(infra.mongo),
      LOG_LEVEL: 'info',
    };
    // The CI's own servers must not be used: this run starts and stops its own.
    const inherited = { ...process.env };
    delete inherited.AMQP_URL;
    delete inherited.MONGO_URL;
    delete inherited.RABBITMQ_MANAGEMENT_URL;
    for (const [name, value] of Object.entries(inherited))
      if (!(name in env) && value !== undefined) env[name] = value;
    up = startUp(
      [
        '--workers',
        '1',
        '--demo-jobs',
        '12',
        '--http-port-base',
        String(ports + 4),
        '--demo-port',
        String(ports + 7),
        '--grace-period',
        '30',
      ],
      env,
      { inherit: false },
    );
    const ready = await up.waitForLine(
      'every process ready',
      (line) => line.process === 'up' && line.msg === 'every process is ready',
      300_000,
    );
    pids = readyProcesses(ready).map((entry) => entry.pid);
    expect(await portOpen(infra.amqp)).toBe(true);
    expect(await portOpen(infra.mongo)).toBe(true);

    const done = await up.waitForLine(
      'the demo batch to end',
      (line) =>
        line.process === 'up' && typeof line.msg === 'string' && line.msg.startsWith('demo batch done'),
      180_000,
    );
    expect(done.batch).toMatch(/^demo-/);
    // The batch's report, printed by `batch wait`: every job ended, the faults as dead letters.
    const report = up
      .lines()
      .filter((line) => line.process === 'demo')
      .map((line) => String(line.msg));
    expect(report).toContain('  in flight   0');
    expect(report.some((line) => /^ {2}dead {8}[1-9]/.test(line))).toBe(true);

    up.child.kill('SIGINT');
    const exit = await up.exit(120_000);
    expect(exit).toEqual({ code: 0, signal: null });
    for (const pid of pids) {
      expect(pidAlive(pid), `pid ${pid}`).toBe(false);
      expect(groupAlive(pid), `group ${pid}`).toBe(false);
    }
    // The servers it started are stopped too.
    expect(await portOpen(infra.amqp)).toBe(false);
    expect(await portOpen(infra.mongo)).toBe(false);
  }, 600_000);
});
