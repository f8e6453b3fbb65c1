import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../support/wait-for.ts';

/** The `tributary` command as users run it. */
export const CLI_MAIN = fileURLToPath(new URL('../../../packages/cli/src/main.ts', import.meta.url));

export type LogLine = Record<string, unknown>;

/** `tributary up …` running as a child process, its JSON output parsed as it arrives. */
export interface UpProcess {
  child: ChildProcess;
  /** Every JSON line so far. */
  lines(): LogLine[];
  /** The raw output so far, for failure messages. */
  output(): string;
  /** The first line (already written or still to come) that matches, within `timeoutMs`. */
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  /** How it exited, within `timeoutMs`; rejects when it did not. */
  exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** With `inherit: false`, `env` is the whole environment (the test's own AMQP_URL and MONGO_URL left out). */
export function startUp(
  args: readonly string[],
  env: Record<string, string>,
  options: { inherit?: boolean } = {},
): UpProcess {
  const child = spawn(process.execPath, [CLI_MAIN, 'up', ...args], {
    env: options.inherit === false ? env : { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let output = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let closed = false;
  child.once('close', () => {
    closed = true;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return {
    child,
    lines: () => [...lines],
    output: () => output,
    async waitForLine(what, match, timeoutMs) {
      try {
        await waitFor(
          () => {
            if (lines.some(match)) return true;
            // A launcher whose output has ended will never print the line: say so now, not at the timeout.
            if (closed)
              throw new Error(`tributary up exited (${child.exitCode ?? child.signalCode}) before ${what}`);
            return false;
          },
          { timeoutMs, intervalMs: 100, what },
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; output so far:\n${output.slice(-6_000)}`, { cause: err });
      }
      const found = lines.find(match);
      if (!found) throw new Error(`no line for ${what}`);
      return found;
    },
    async exit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`tributary up did not exit within ${timeoutMs} ms; output:\n${output.slice(-6_000)}`),
            ),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** SIGKILLs `up` if a test left it running (its services then stay; their pids are killed too when known). */
export async function killUp(up: UpProcess | undefined, pids: readonly number[] = []): Promise<void> {
  if (!up) return;
  if (up.child.exitCode === null && up.child.signalCode === null) {
    up.child.kill('SIGKILL');
    await once(up.child, 'exit');
  }
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** True while process `pid` exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while any process is left in process group `pgid` (a launched service's group is its pid). */
export function groupAlive(pgid: number): boolean {
  return pidAlive(-pgid);
}

/** The pids and ports `up` reported in its "every process is ready" line. */
export function readyProcesses(line: LogLine): { name: string; pid: number; httpPort: number }[] {
  return line.processes as { name: string; pid: number; httpPort: number }[];
}
