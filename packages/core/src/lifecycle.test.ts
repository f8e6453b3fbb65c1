import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './timing.ts';

const child = fileURLToPath(new URL('./fixtures/lifecycle-child.ts', import.meta.url));
const running: ChildProcess[] = [];

async function startChild(env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, [child], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(proc);
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => /port \d+/.test(output), { timeoutMs: 10_000, what: 'the child to listen' });
  const port = Number(/port (\d+)/.exec(output)?.[1]);
  return { proc, port, output: () => output };
}

afterEach(() => {
  for (const proc of running.splice(0)) proc.kill('SIGKILL');
});

describe('Lifecycle', () => {
  it('closes parts in reverse order of registration on SIGTERM and exits 0', async () => {
    const { proc, output } = await startChild();
    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    expect(code).toBe(0);
    expect(output()).toMatch(/closed second\nclosed first\n/);
  });

  it('exits non-zero when a part hangs past the grace period', async () => {
    const { proc, output } = await startChild({ HANG_MS: '60000', GRACE_MS: '300' });
    const started = performance.now();
    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    expect(code).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(output()).not.toMatch(/closed first/);
  });

  it('a second signal forces the exit at once', async () => {
    const { proc } = await startChild({ HANG_MS: '60000', GRACE_MS: '60000' });
    proc.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    proc.kill('SIGINT');
    const [code] = await once(proc, 'exit');
    expect(code).toBe(1);
  });
});

describe('HealthServer', () => {
  it('answers /readyz 503 until every check passes, and serves /healthz and /metrics', async () => {
    const { port } = await startChild({ READY_AFTER_MS: '700' });
    const base = `http://127.0.0.1:${port}`;
    const early = await fetch(`${base}/readyz`);
    expect(early.status).toBe(503);
    expect(await early.json()).toMatchObject({
      ready: false,
      checks: { warm: { ready: false, detail: 'warming up' } },
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/tributary_process_cpu_seconds_total\{service="lifecycle-child"\}/);
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, {
      timeoutMs: 5_000,
      what: 'ready',
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
