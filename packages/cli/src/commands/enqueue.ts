import type { Command } from 'commander';
import { CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openBroker, openDatabase } from '../connections.ts';
import {
  checkBatchId,
  type EnqueueSummary,
  enqueueJobs,
  newBatchId,
  validateJobs,
} from '../enqueue/enqueue.ts';
import { JobSource } from '../enqueue/job-source.ts';
import { progressBar } from '../progress.ts';

export interface EnqueueFlags {
  url?: string[];
  batch?: string;
  strict?: boolean;
  json?: boolean;
}

export function registerEnqueue(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('enqueue')
    .description(
      'publish jobs: a URL per line, or a FetchJob as JSON per line (blank lines and # comments skipped); prints the batch id',
    )
    .argument('[file]', 'the job file, or - for standard input')
    .option('--url <url...>', 'a job URL (repeatable), before the file if both are given')
    .option('--batch <name>', 'the batch id (default: a new one)')
    .option('--strict', 'validate every line first and publish nothing when one is bad')
    .option('--json', 'print the summary as JSON on stdout')
    .action((file: string | undefined, flags: EnqueueFlags) => run(() => enqueue(file, flags)));
}

/** `tributary enqueue`; `demo` runs it with the demo batch's URLs. */
export async function enqueue(file: string | undefined, flags: EnqueueFlags): Promise<ExitCode> {
  if (file === undefined && (flags.url ?? []).length === 0) {
    throw new CliError('usage', 'give a job file, - for standard input, or --url', EXIT.usage);
  }
  const batch = checkBatchId(flags.batch ?? newBatchId());
  const config = loadCliConfig();
  const source = new JobSource({ path: file, urls: flags.url ?? [] });
  try {
    if (flags.strict) {
      await source.spoolStdin();
      const checkedLines = await validateJobs(source, batch);
      if (checkedLines.invalid > 0) {
        report({ ...checkedLines, published: 0 }, flags, 'nothing published (--strict)');
        return EXIT.usage;
      }
    }
    const broker = await openBroker(config);
    try {
      const database = await openDatabase(config);
      try {
        const totalBytes = await source.totalBytes();
        const bar = progressBar({
          total: totalBytes ?? 0,
          format: totalBytes
            ? ' {bar} {percentage}% | {published} jobs | {rate} jobs/s | ETA {eta_formatted}'
            : ' {published} jobs | {rate} jobs/s',
        });
        const started = performance.now();
        const summary = await enqueueJobs(source, batch, {
          broker,
          db: database.db,
          onProgress: ({ published }) => {
            const seconds = (performance.now() - started) / 1000;
            bar.update(source.bytesRead, {
              published,
              rate: seconds > 0 ? Math.round(published / seconds) : 0,
            });
          },
        });
        bar.stop();
        report(summary, flags);
        return summary.invalid > 0 ? EXIT.usage : EXIT.ok;
      } finally {
        await database.close();
      }
    } finally {
      await broker.close();
    }
  } finally {
    await source.close();
  }
}

/** The summary on stderr and the batch id alone on stdout, or the summary as JSON on stdout. */
function report(summary: EnqueueSummary, flags: EnqueueFlags, note?: string): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, elapsedMs: Math.round(summary.elapsedMs) })}\n`);
    return;
  }
  for (const bad of summary.invalidLines) process.stderr.write(`line ${bad.line}: ${bad.problem}\n`);
  const hidden = summary.invalid - summary.invalidLines.length;
  if (hidden > 0) process.stderr.write(`… and ${hidden} more bad lines\n`);
  const parts = [
    `${summary.published} jobs enqueued in batch ${summary.batch}`,
    `${summary.lines} lines`,
    `${summary.invalid} bad`,
    `${summary.duplicates} duplicates skipped`,
  ];
  const seconds = summary.elapsedMs / 1000;
  if (summary.published > 0 && seconds > 0) parts.push(`${Math.round(summary.published / seconds)} jobs/s`);
  process.stderr.write(`${parts.join(', ')}${note ? `; ${note}` : ''}\n`);
  if (!note) process.stdout.write(`${summary.batch}\n`);
}
