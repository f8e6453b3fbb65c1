import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestBroker, TestDatabase } from '../../support/index.ts';

const MAIN = fileURLToPath(new URL('../../../packages/cli/src/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the command, in bytes (from /proc while it ran; 0 where there is none). */
  peakRssBytes: number;
}

/** The environment that points the command at a test's own vhost and database. */
export function cliEnv(broker: TestBroker, database?: TestDatabase): Record<string, string> {
  return {
    AMQP_URL: broker.amqpUrl,
    RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
    ...(database ? { MONGO_URL: database.mongoUrl, MONGO_DB: database.dbName } : {}),
    LOG_LEVEL: 'silent',
  };
}

/** Runs `tributary ARGS…` as a user would, as a child process, and samples its memory while it runs. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.stdin ?? '');
  let peakRssBytes = 0;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, rssOf(child.pid));
  }, 50);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(sampler);
  clearTimeout(timer);
  return { code, stdout, stderr, peakRssBytes };
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
