import { sleep } from '@tributary/core';
import type { Command } from 'commander';
import {
  type BatchProgress,
  formatProgress,
  isFinished,
  listBatches,
  readBatchProgress,
} from '../batches/batch-progress.ts';
import { CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openDatabase } from '../connections.ts';
import { progressBar } from '../progress.ts';

const POLL_MS = 1_000;

export function registerBatch(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  const batch = program.command('batch').description('follow batches: how every job of a batch ended');
  batch
    .command('status')
    .description('total, ended by outcome, dead by stage and reason, still in flight')
    .argument('<id>', 'the batch id (enqueue prints it)')
    .option('--watch', 'refresh every second until the batch has ended')
    .option('--json', 'print JSON')
    .action((id: string, flags: { watch?: boolean; json?: boolean }) => run(() => status(id, flags)));
  batch
    .command('wait')
    .description(
      'show progress until every job has ended; exit 0 when all were stored or unchanged, 1 when some died',
    )
    .argument('<id>', 'the batch id')
    .option('--timeout <seconds>', 'give up after this long (exit 1)', parseSeconds)
    .option('--json', 'print the final state as JSON')
    .action((id: string, flags: { timeout?: number; json?: boolean }) => run(() => wait(id, flags)));
  batch
    .command('list')
    .description('the most recent batches')
    .option('--limit <n>', 'how many', parseCount, 20)
    .option('--json', 'print JSON')
    .action((flags: { limit: number; json?: boolean }) => run(() => list(flags)));
}

async function status(id: string, flags: { watch?: boolean; json?: boolean }): Promise<ExitCode> {
  const database = await openDatabase(loadCliConfig());
  try {
    for (;;) {
      const progress = await mustRead(database.db, id);
      if (flags.json) process.stdout.write(`${JSON.stringify(progress)}\n`);
      else
        process.stdout.write(
          `${flags.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${formatProgress(progress)}`,
        );
      if (!flags.watch || isFinished(progress)) return EXIT.ok;
      await sleep(POLL_MS);
    }
  } finally {
    await database.close();
  }
}

async function wait(id: string, flags: { timeout?: number; json?: boolean }): Promise<ExitCode> {
  const progress = await followBatch(id, flags);
  if (!isFinished(progress)) return EXIT.failed;
  return progress.dead > 0 ? EXIT.failed : EXIT.ok;
}

/**
 * Shows progress until every job of the batch has ended or the timeout passed, then prints the final state and
 * returns it; `batch wait` and `demo --wait` read it differently (dead letters are what the demo is for).
 */
export async function followBatch(
  id: string,
  flags: { timeout?: number | undefined; json?: boolean | undefined },
): Promise<BatchProgress> {
  const database = await openDatabase(loadCliConfig());
  const deadline = flags.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + flags.timeout * 1000;
  try {
    let progress = await mustRead(database.db, id);
    const bar = progressBar({
      total: progress.total,
      format:
        ' {bar} {value}/{total} jobs ended | stored {stored} | unchanged {unchanged} | dead {dead} | ETA {eta_formatted}',
    });
    for (;;) {
      bar.setTotal(progress.total);
      bar.update(progress.ended, {
        stored: progress.stored,
        unchanged: progress.unchanged,
        dead: progress.dead,
      });
      if (isFinished(progress) || Date.now() >= deadline) break;
      await sleep(POLL_MS);
      progress = await mustRead(database.db, id);
    }
    bar.stop();
    if (flags.json) process.stdout.write(`${JSON.stringify(progress)}\n`);
    else process.stdout.write(formatProgress(progress));
    if (!isFinished(progress)) {
      process.stderr.write(`tributary: batch ${id} has not ended after ${flags.timeout} s\n`);
    }
    return progress;
  } finally {
    await database.close();
  }
}

async function list(flags: { limit: number; json?: boolean }): Promise<ExitCode> {
  const database = await openDatabase(loadCliConfig());
  try {
    const batches = await listBatches(database.db, flags.limit);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(batches)}\n`);
      return EXIT.ok;
    }
    if (batches.length === 0) process.stdout.write('no batches\n');
    for (const b of batches) {
      process.stdout.write(
        `${b.batch}  ${b.createdAt}  jobs ${b.total}  stored ${b.stored}  unchanged ${b.unchanged}  dead ${b.dead}  in flight ${b.inFlight}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await database.close();
  }
}

async function mustRead(db: Parameters<typeof readBatchProgress>[0], id: string): Promise<BatchProgress> {
  const progress = await readBatchProgress(db, id);
  if (!progress)
    throw new CliError(
      'unknown-batch',
      `no batch ${JSON.stringify(id)} (see: tributary batch list)`,
      EXIT.usage,
    );
  return progress;
}

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new CliError('usage', `--timeout must be a positive number of seconds, got "${value}"`, EXIT.usage);
  return seconds;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new CliError('usage', `expected a positive integer, got "${value}"`, EXIT.usage);
  return count;
}
