import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@tributary/core';
import { type DemoJob, demoJobFile } from './demo-jobs.ts';
import type { TextLevel } from './log-render.ts';
import { CLI_MAIN_PATH } from './repo-paths.ts';
import { type CommandResult, runCommand } from './run-command.ts';

export interface DemoBatchOptions {
  jobs: readonly DemoJob[];
  /** Passed as `--batch`. */
  batchName: string;
  /** The environment of the `tributary` commands: the same broker, database and prefix as the services. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The commands' output lines. */
  onLine: (line: string, level: TextLevel) => void;
  /** Stops the command that runs (SIGTERM); the outcome is then `stopped`. */
  signal: AbortSignal;
  /** The `tributary` entry point (default packages/cli/src/main.ts) and the node to run it with. */
  cliMain?: string;
  nodePath?: string;
}

export type EnqueueOutcome = { ok: true; batchId: string } | { ok: false; stopped: boolean };
export type WaitOutcome = 'all-stored' | 'some-dead-lettered' | 'failed' | 'stopped';

/**
 * The batch id `tributary enqueue` printed: its last non-empty stdout line (it prints the id last when stdout
 * is not a terminal), else the name it was given with --batch.
 */
export function batchIdFrom(stdout: string, batchName: string): string {
  const last = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
  return last !== undefined && /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(last) ? last : batchName;
}

/** What `tributary batch wait` exiting with `code` means for the demo: 1 is what its faults are there for. */
export function waitOutcomeOf(code: number | null): Exclude<WaitOutcome, 'stopped'> {
  if (code === 0) return 'all-stored';
  if (code === 1) return 'some-dead-lettered';
  return 'failed';
}

/**
 * Writes the demo job file and runs `tributary enqueue <file> --batch <name>`. Never throws: a demo that
 * cannot be enqueued is logged with the reason, and the system keeps running without it.
 */
export async function enqueueDemoBatch(options: DemoBatchOptions): Promise<EnqueueOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-demo-'));
  const file = join(dir, `${options.batchName}.jsonl`);
  try {
    await writeFile(file, demoJobFile(options.jobs));
    options.logger.info({ jobs: options.jobs.length, batch: options.batchName }, 'enqueueing the demo batch');
    const result = await tributary(['enqueue', file, '--batch', options.batchName], options);
    if (options.signal.aborted) return { ok: false, stopped: true };
    if (result.code !== 0) {
      options.logger.warn(
        { code: result.code, signal: result.signal, lastLines: result.stderrTail },
        `could not enqueue the demo batch: \`tributary enqueue\` ended with ${ending(result)}` +
          `${result.stderrTail.length > 0 ? ` (${result.stderrTail.at(-1)})` : ''}; ` +
          'the system keeps running without it',
      );
      return { ok: false, stopped: false };
    }
    const batchId = batchIdFrom(result.stdout, options.batchName);
    options.logger.info({ batch: batchId, jobs: options.jobs.length }, 'demo batch enqueued');
    return { ok: true, batchId };
  } catch (err) {
    if (options.signal.aborted) return { ok: false, stopped: true };
    options.logger.warn({ err }, 'could not enqueue the demo batch; the system keeps running without it');
    return { ok: false, stopped: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `tributary batch wait <id>` and logs how the demo batch ended. Never throws. */
export async function waitForDemoBatch(batchId: string, options: DemoBatchOptions): Promise<WaitOutcome> {
  let result: CommandResult;
  try {
    result = await tributary(['batch', 'wait', batchId], options);
  } catch (err) {
    if (options.signal.aborted) return 'stopped';
    options.logger.warn({ err, batch: batchId }, 'could not follow the demo batch');
    return 'failed';
  }
  if (options.signal.aborted) return 'stopped';
  const outcome = waitOutcomeOf(result.code);
  switch (outcome) {
    case 'all-stored':
      options.logger.info({ batch: batchId }, 'demo batch done: every job was stored or unchanged');
      break;
    case 'some-dead-lettered':
      options.logger.info(
        { batch: batchId },
        'demo batch done: some jobs were dead-lettered, as its faults intend ' +
          `(\`npx tributary batch status ${batchId}\` lists them)`,
      );
      break;
    default:
      options.logger.warn(
        { batch: batchId, code: result.code, signal: result.signal, lastLines: result.stderrTail },
        `could not follow the demo batch: \`tributary batch wait\` ended with ${ending(result)}; ` +
          'the system keeps running',
      );
  }
  return outcome;
}

function tributary(args: readonly string[], options: DemoBatchOptions): Promise<CommandResult> {
  return runCommand(options.nodePath ?? process.execPath, [options.cliMain ?? CLI_MAIN_PATH, ...args], {
    env: options.env,
    signal: options.signal,
    stderrLevel: 'info',
    onLine: (line, level) => options.onLine(line, level),
  });
}

function ending(result: CommandResult): string {
  return result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
}
