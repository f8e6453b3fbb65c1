import type { Command } from 'commander';
import { isFinished } from '../batches/batch-progress.ts';
import { CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openBroker, openDatabase } from '../connections.ts';
import { parseDurationMs } from '../duration.ts';
import { checkBatchId, newBatchId } from '../enqueue/enqueue.ts';
import { progressBar } from '../progress.ts';
import { type RefreshSummary, refreshLines, refreshQuery, refreshSources } from '../sources/refresh.ts';
import { SourceStore } from '../sources/source-store.ts';
import { sweepSources } from '../sources/sweep.ts';
import { isGoneReason } from '../sources/sweep-plan.ts';
import { parseUrlPrefix } from '../sources/url-scope.ts';
import { followBatch, parseSeconds } from './batch.ts';
import { printSweptSource, reportSweep } from './sweep.ts';

export interface RefreshFlags {
  olderThan?: number;
  batch?: string;
  urlPrefix?: string;
  sweep?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  timeout?: number;
  json?: boolean;
}

export function registerRefresh(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('refresh')
    .description(
      'enqueue the stored sources again, each conditional on its etag and date (a 304 only touches it) and with ' +
        'the meta it was ingested with; prints the batch id',
    )
    .option(
      '--older-than <duration>',
      'only sources last fetched longer ago than this: 90s, 30m, 12h, 7d',
      (value) => parseDurationMs(value, '--older-than'),
    )
    .option('--batch <name>', 'the batch id (default: a new one)')
    .option('--url-prefix <url>', 'only sources whose URL starts with this', (value) =>
      parseUrlPrefix(value, '--url-prefix'),
    )
    .option(
      '--sweep',
      'once the batch has ended, remove the sources under --url-prefix whose page is gone (404, 410), with their chunks; implies --wait',
    )
    .option('--dry-run', 'print the jobs that would be enqueued, as JSON lines, and publish nothing')
    .option('--wait', 'then follow the batch until every job has ended, like batch wait')
    .option('--timeout <seconds>', 'with --wait or --sweep, give up after this long (exit 1)', parseSeconds)
    .option('--json', 'print the summaries as JSON on stdout')
    .action((flags: RefreshFlags) => run(() => refresh(flags)));
}

async function refresh(flags: RefreshFlags): Promise<ExitCode> {
  if (flags.sweep && flags.urlPrefix === undefined) {
    throw new CliError(
      'usage',
      '--sweep needs --url-prefix: the sweep removes sources under it only',
      EXIT.usage,
    );
  }
  if (flags.sweep && flags.dryRun) {
    throw new CliError(
      'usage',
      '--sweep removes what the refreshed jobs found gone, and --dry-run publishes none: give one of them',
      EXIT.usage,
    );
  }
  const batch = checkBatchId(flags.batch ?? newBatchId());
  const config = loadCliConfig();
  const selection = { olderThanMs: flags.olderThan, urlPrefix: flags.urlPrefix };
  const database = await openDatabase(config);
  try {
    if (flags.dryRun) {
      let jobs = 0;
      for await (const { text } of refreshLines(
        new SourceStore(database.db, config),
        refreshQuery(selection, new Date()),
      ).lines()) {
        process.stdout.write(`${text}\n`);
        jobs++;
      }
      process.stderr.write(`${jobs} sources would be refreshed; nothing published (--dry-run)\n`);
      return EXIT.ok;
    }
    const now = new Date();
    const total = await new SourceStore(database.db, config).count(refreshQuery(selection, now));
    const broker = await openBroker(config);
    let summary: RefreshSummary;
    try {
      const bar = progressBar({
        total,
        format: ' {bar} {percentage}% | {value}/{total} sources | {rate} jobs/s | ETA {eta_formatted}',
      });
      const started = performance.now();
      summary = await refreshSources(
        {
          broker,
          db: database.db,
          collections: config,
          now,
          onProgress: ({ published }) => {
            const seconds = (performance.now() - started) / 1000;
            bar.update(published, { rate: seconds > 0 ? Math.round(published / seconds) : 0 });
          },
        },
        { ...selection, batch },
      );
      bar.stop();
    } finally {
      await broker.close();
    }
    report(summary, flags);
    if (!flags.wait && !flags.sweep) return summary.invalid > 0 ? EXIT.usage : EXIT.ok;
    const progress = await followBatch(batch, flags);
    if (!flags.sweep) return isFinished(progress) && progress.dead === 0 ? EXIT.ok : EXIT.failed;
    // Never remove before every job has ended: sweepSources refuses too, this says why in the refresh's words.
    if (!isFinished(progress)) {
      throw new CliError('batch-not-ended', `batch ${batch} has not ended: nothing swept`, EXIT.failed);
    }
    const swept = await sweepSources(
      { db: database.db, collections: config },
      {
        batch,
        scope: { scopes: [flags.urlPrefix as string], held: [], fetchedBefore: summary.fetchedBefore },
        onSource: (source) => printSweptSource(source, flags),
      },
    );
    reportSweep(swept, flags);
    // Pages gone are what a sweep is for; any other dead job is a source that could not be refreshed.
    return progress.deadBy.every((dead) => isGoneReason(dead.reason)) ? EXIT.ok : EXIT.failed;
  } finally {
    await database.close();
  }
}

/** The summary on stderr and the batch id alone on stdout, or the summary as JSON on stdout. */
function report(summary: RefreshSummary, flags: RefreshFlags): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, elapsedMs: Math.round(summary.elapsedMs) })}\n`);
    return;
  }
  for (const bad of summary.invalidLines) process.stderr.write(`source ${bad.line}: ${bad.problem}\n`);
  const which = [
    ...(flags.olderThan === undefined ? [] : [`last fetched before ${summary.fetchedBefore.toISOString()}`]),
    ...(flags.urlPrefix === undefined ? [] : [`under ${flags.urlPrefix}`]),
  ];
  const parts = [
    `${summary.published} jobs enqueued in batch ${summary.batch} to refresh ${summary.lines} sources${which.length > 0 ? ` ${which.join(' ')}` : ''}`,
  ];
  if (summary.invalid > 0) parts.push(`${summary.invalid} bad`);
  const seconds = summary.elapsedMs / 1000;
  if (summary.published > 0 && seconds > 0) parts.push(`${Math.round(summary.published / seconds)} jobs/s`);
  process.stderr.write(`${parts.join(', ')}\n`);
  process.stdout.write(`${summary.batch}\n`);
}
