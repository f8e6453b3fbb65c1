import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TextLevel } from './log-render.ts';

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborting sends SIGTERM to the command. */
  signal?: AbortSignal;
  /** Each line of its stdout and stderr as it arrives; stderr's get `stderrLevel` (default `info`). */
  onLine?: (line: string, level: TextLevel, stream: 'stdout' | 'stderr') => void;
  stderrLevel?: TextLevel;
}

export interface CommandResult {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Its last stderr lines, for a message that says why it failed. */
  stderrTail: string[];
}

const STDERR_TAIL_LINES = 10;

/**
 * Runs a short-lived command (an infra/local script, a `tributary` command) to its end, its output passed on
 * line by line. Resolves with how it ended; rejects only when it could not be started at all.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal, killSignal: 'SIGTERM' as const } : {}),
    });
    let stdout = '';
    const stderrTail: string[] = [];
    const lines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') =>
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (name === 'stdout') stdout += `${line}\n`;
        else {
          stderrTail.push(line);
          if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        }
        options.onLine?.(line, name === 'stderr' ? (options.stderrLevel ?? 'info') : 'info', name);
      });
    if (child.stdout) lines(child.stdout, 'stdout');
    if (child.stderr) lines(child.stderr, 'stderr');
    let started = false;
    child.once('spawn', () => {
      started = true;
    });
    child.once('error', (err) => {
      // An abort also arrives here; the 'close' that follows reports how the command ended.
      if (!started) reject(err);
    });
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderrTail }));
  });
}
