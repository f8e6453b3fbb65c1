import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface NodeRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process, in bytes (sampled from /proc while it ran; 0 where there is none). */
  peakRssBytes: number;
}

/**
 * Runs a TypeScript entry point of the repository with Node as a child process, to its end: what it printed, its
 * exit code and its peak memory. `env` is the whole environment unless `inherit` (the default) adds this one's.
 */
export async function runNode(
  file: string,
  args: readonly string[],
  options: { env: Record<string, string>; inherit?: boolean; stdin?: string; timeoutMs?: number },
): Promise<NodeRunResult> {
  const child = spawn(process.execPath, [file, ...args], {
    env: options.inherit === false ? options.env : { ...process.env, ...options.env },
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
