import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { TextLevel } from './log-render.ts';

export interface ProcessExit {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcessOptions {
  name: string;
  /** `node` and its arguments: the service's main.ts. */
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  /** Every line it writes: stdout's at `info`, stderr's at `error` when they are not JSON. */
  onLine: (line: string, textLevel: TextLevel) => void;
}

/** How long to wait for a process's last output after it exited (a child it left may hold the pipe). */
const OUTPUT_DRAIN_MS = 1_000;

/**
 * One run of one service: a child process in a process group of its own, so that a Ctrl-C at the terminal
 * reaches the launcher alone and the launcher stops the services in pipeline order. Whatever is left in the
 * group when the process exits (a transformer's workers whose primary was killed) is killed with it, so that
 * nothing outlives the process that started it.
 */
export class ServiceProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;

  constructor(options: ServiceProcessOptions) {
    this.name = options.name;
    const child = spawn(options.command, [...options.args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    const outputClosed = Promise.all([
      child.stdout ? this.#readLines(child.stdout, 'info', options.onLine) : undefined,
      child.stderr ? this.#readLines(child.stderr, 'error', options.onLine) : undefined,
    ]);
    this.#exited = new Promise<ProcessExit>((resolve) => {
      let settled = false;
      const settle = (exit: ProcessExit) => {
        if (settled) return;
        settled = true;
        this.#exit = exit;
        this.#killGroup();
        // Its last lines, so that a report of its death shows them.
        void Promise.race([outputClosed, delay(OUTPUT_DRAIN_MS)]).then(() => resolve(exit));
      };
      child.once('exit', (code, signal) => settle({ code, signal }));
      child.once('error', (err) => {
        options.onLine(`could not start: ${err.message}`, 'error');
        settle({ code: null, signal: null });
      });
    });
  }

  /** Undefined when it could not be started. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether it has not exited yet. */
  get running(): boolean {
    return this.#exit === undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Resolves once it exited and its output was read. */
  get exited(): Promise<ProcessExit> {
    return this.#exited;
  }

  /** Sends `signal` to the process alone (not its group); false when it is gone. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      return this.#child.kill(signal);
    } catch {
      return false;
    }
  }

  /**
   * Stops it gracefully: SIGTERM, then SIGKILL to its whole group at `deadline` (epoch ms). Resolves with how
   * it exited and whether it had to be killed.
   */
  async stop(deadline: number): Promise<ProcessExit & { forced: boolean }> {
    if (!this.running) return { ...(await this.#exited), forced: false };
    this.signal('SIGTERM');
    const timeout = new AbortController();
    const timedOut = delay(Math.max(0, deadline - Date.now()), 'timeout' as const, {
      signal: timeout.signal,
    }).catch(() => 'cancelled' as const);
    const outcome = await Promise.race([this.#exited, timedOut]);
    timeout.abort();
    if (outcome !== 'timeout' && outcome !== 'cancelled') return { ...outcome, forced: false };
    this.kill();
    return { ...(await this.#exited), forced: true };
  }

  /** SIGKILL to the process and everything in its group, at once. */
  kill(): void {
    this.#killGroup();
    this.signal('SIGKILL');
  }

  #killGroup(): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is empty, which is what we want.
    }
  }

  async #readLines(
    stream: NodeJS.ReadableStream,
    textLevel: TextLevel,
    onLine: ServiceProcessOptions['onLine'],
  ): Promise<void> {
    const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    reader.on('line', (line) => onLine(line, textLevel));
    await once(reader, 'close');
  }
}
