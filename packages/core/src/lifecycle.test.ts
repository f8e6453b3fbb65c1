import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { Lifecycle, SHUTDOWN_PHASES } from './lifecycle.ts';
import { createLogger } from './logger.ts';

const logger = createLogger({ service: 'lifecycle-test', level: 'silent' });
// A signal nothing else in the test process listens to; emitting it only calls the lifecycle's handler.
const SIGNAL = 'SIGUSR2';

function lifecycleWithExit(gracePeriodMs = 1_000) {
  const exit = vi.fn<(code: number) => void>();
  const lifecycle = new Lifecycle({ logger, gracePeriodMs, signals: [SIGNAL], exit });
  return { lifecycle, exit };
}

describe('Lifecycle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the phases in their declared order whatever the order of registration, and exits 0', async () => {
    const { lifecycle, exit } = lifecycleWithExit();
    const ran: string[] = [];
    // Registered the way a service builds its parts: connection first, the consumer later.
    lifecycle.add('close', 'connection', () => {
      ran.push('close:connection');
    });
    lifecycle.add('flush', 'publisher', () => {
      ran.push('flush:publisher');
    });
    lifecycle.add('stop-intake', 'consumer', () => {
      ran.push('stop-intake:consumer');
    });
    lifecycle.add('settle', 'consumer', () => {
      ran.push('settle:consumer');
    });
    lifecycle.add('close', 'client', () => {
      ran.push('close:client');
    });
    lifecycle.add('stop-intake', 'drain', () => {
      ran.push('stop-intake:drain');
    });
    lifecycle.installSignalHandlers();
    process.emit(SIGNAL, SIGNAL);
    await vi.waitFor(() => expect(exit).toHaveBeenCalled());
    lifecycle.removeSignalHandlers();
    expect(SHUTDOWN_PHASES).toEqual(['stop-intake', 'settle', 'flush', 'close']);
    // Phase by phase; within a phase, the part registered last runs first.
    expect(ran).toEqual([
      'stop-intake:drain',
      'stop-intake:consumer',
      'settle:consumer',
      'flush:publisher',
      'close:client',
      'close:connection',
    ]);
    expect(exit).toHaveBeenCalledWith(0);
    expect(lifecycle.state).toBe('stopped');
  });

  it('waits for each part before the next one runs', async () => {
    const { lifecycle } = lifecycleWithExit(10_000);
    const ran: string[] = [];
    lifecycle.add('close', 'connection', () => {
      ran.push('connection');
    });
    lifecycle.add('settle', 'slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      ran.push('slow');
    });
    const done = lifecycle.shutdown('test');
    await vi.advanceTimersByTimeAsync(2_999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(0);
    expect(ran).toEqual(['slow', 'connection']);
  });

  it('answers 1 when a part hangs past the grace period, without running the parts after it', async () => {
    const { lifecycle } = lifecycleWithExit(300);
    const ran: string[] = [];
    lifecycle.add('close', 'after', () => {
      ran.push('after');
    });
    lifecycle.add('settle', 'hangs', () => new Promise(() => {}));
    const done = lifecycle.shutdown('test');
    await vi.advanceTimersByTimeAsync(299);
    expect(lifecycle.state).toBe('stopping');
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(1);
    expect(ran).toEqual([]);
  });

  it('answers 1 when a part fails, and still runs the others', async () => {
    const { lifecycle } = lifecycleWithExit();
    const ran: string[] = [];
    lifecycle.add('close', 'after', () => {
      ran.push('after');
    });
    lifecycle.add('flush', 'fails', () => {
      throw new Error('boom');
    });
    expect(await lifecycle.shutdown('test')).toBe(1);
    expect(ran).toEqual(['after']);
  });

  it('a second signal forces the exit at once', async () => {
    const { lifecycle, exit } = lifecycleWithExit(60_000);
    lifecycle.add('settle', 'hangs', () => new Promise(() => {}));
    lifecycle.installSignalHandlers();
    process.emit(SIGNAL, SIGNAL);
    expect(exit).not.toHaveBeenCalled();
    process.emit(SIGNAL, SIGNAL);
    lifecycle.removeSignalHandlers();
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('shutting down twice is one shutdown', async () => {
    const { lifecycle } = lifecycleWithExit();
    const close = vi.fn();
    lifecycle.add('close', 'once', close);
    const first = lifecycle.shutdown('a');
    expect(lifecycle.shutdown('b')).toBe(first);
    await first;
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('HealthServer', () => {
  const child = fileURLToPath(new URL('./fixtures/health-child.ts', import.meta.url));
  let proc: ChildProcess | undefined;
  afterEach(() => {
    proc?.kill('SIGKILL');
  });

  it('answers /readyz 503 until every check passes, and serves /healthz and /metrics', async () => {
    proc = spawn(process.execPath, [child], {
      env: { ...process.env, READY_AFTER_MS: '700' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(() => /port \d+/.test(output), { timeoutMs: 10_000, what: 'the child to listen' });
    const base = `http://127.0.0.1:${Number(/port (\d+)/.exec(output)?.[1])}`;
    const early = await fetch(`${base}/readyz`);
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({
      ready: false,
      checks: { warm: { ready: false, detail: 'warming up' } },
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/tributary_process_cpu_seconds_total\{service="health-child"\}/);
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, {
      timeoutMs: 5_000,
      what: 'ready',
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
