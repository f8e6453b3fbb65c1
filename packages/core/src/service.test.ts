import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';

const child = fileURLToPath(new URL('./fixtures/service-child.ts', import.meta.url));

function start(env: Record<string, string>) {
  const proc = spawn(process.execPath, [child], {
    env: { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  return { proc, out };
}

describe('runService', () => {
  it('stops at start with the variable, the value and what was expected named', async () => {
    const { proc, out } = start({ DEMO_WORKERS: 'many', SHUTDOWN_GRACE_MS: '5' });
    const [code] = await once(proc, 'exit');
    expect(code).toBe(2);
    expect(out.stderr).toContain('demo-service: Invalid configuration:');
    expect(out.stderr).toContain('DEMO_WORKERS must be an integer 1..8, got "many"');
    expect(out.stderr).toContain('SHUTDOWN_GRACE_MS must be an integer 100..600000, got "5"');
    expect(out.stdout).toBe('');
  });

  it('runs with valid config, serves health, and shuts down on SIGTERM', async () => {
    const { proc, out } = start({ DEMO_WORKERS: '3' });
    await waitFor(() => out.stdout.includes('running on'), { timeoutMs: 10_000, what: 'start' });
    const port = Number(/running on (\d+)/.exec(out.stdout)?.[1]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
      timeoutMs: 5_000,
      what: 'ready',
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /^tributary_ready\{[^}]*\} 1$/m,
    );
    proc.kill('SIGTERM');
    const [code] = await once(proc, 'exit');
    expect(code).toBe(0);
    expect(out.stdout).toContain('stopping with 3 workers');
  });

  it('is not ready while it has registered no readiness check', async () => {
    const { proc, out } = start({ DEMO_WORKERS: '1', DEMO_READINESS: 'none' });
    await waitFor(() => out.stdout.includes('running on'), { timeoutMs: 10_000, what: 'start' });
    const port = Number(/running on (\d+)/.exec(out.stdout)?.[1]);
    // Started (the health server answers /healthz) yet not ready, and it says why.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, {
      timeoutMs: 5_000,
      what: 'alive',
    });
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({
      ready: false,
      checks: { checks: { ready: false, detail: 'no readiness check registered' } },
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
      /^tributary_ready\{[^}]*\} 0$/m,
    );
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  });
});
