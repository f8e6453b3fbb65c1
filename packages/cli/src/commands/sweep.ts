import type { Command } from 'commander';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openDatabase } from '../connections.ts';
import { type SweepSummary, type SweptSource, sweepDiscovery } from '../sources/sweep.ts';
import type { HeldRoot, HoldReason } from '../sources/sweep-plan.ts';

export interface SweepFlags {
  dryRun?: boolean;
  json?: boolean;
}

export function registerSweep(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('sweep')
    .description(
      "after a discovery batch has ended, remove the stored sources under its roots' scopes that it did not find " +
        'again or found gone (404, 410), with their chunks; a source whose job failed otherwise is kept',
    )
    .argument('<batch>', 'the discovery batch, ended')
    .option('--dry-run', 'list the sources that would be removed, remove nothing')
    .option('--json', 'print each source and the summary as JSON lines on stdout')
    .action((batch: string, flags: SweepFlags) => run(() => sweep(batch, flags)));
}

async function sweep(batch: string, flags: SweepFlags): Promise<ExitCode> {
  const config = loadCliConfig();
  const database = await openDatabase(config);
  try {
    const summary = await sweepDiscovery(
      { db: database.db, collections: config },
      { batch, dryRun: flags.dryRun, onSource: (source) => printSweptSource(source, flags) },
    );
    reportSweep(summary, flags);
    for (const root of summary.heldRoots) reportHeldRoot(root, batch);
    return summary.heldRoots.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await database.close();
  }
}

/** A source removed (or that would be) on stdout: its URL and why, or a JSON line. */
export function printSweptSource(source: SweptSource, flags: { json?: boolean | undefined }): void {
  process.stdout.write(flags.json ? `${JSON.stringify(source)}\n` : `${source.url}  ${source.why}\n`);
}

/** The summary on stderr, or as the last JSON line on stdout. */
export function reportSweep(summary: SweepSummary, flags: { json?: boolean | undefined }): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const scopes = summary.scopes.length > 0 ? summary.scopes.join(', ') : 'no scope';
  const parts = [
    `${summary.dryRun ? 'would remove' : 'removed'} ${summary.sources} sources (${summary.chunks} chunks) under ${scopes} after batch ${summary.batch}`,
  ];
  if (summary.keptFailing > 0) {
    parts.push(`kept ${summary.keptFailing} whose jobs failed otherwise than 404 or 410`);
  }
  if (summary.dryRun) parts.push('nothing removed (--dry-run)');
  process.stderr.write(`${parts.join('; ')}\n`);
}

const HOLD_REASONS: Record<HoldReason, string> = {
  'root-failed': 'did not end with its page read',
  'root-unchanged': 'was answered 304 and so discovered nothing',
  'jobs-failed': 'had jobs fail otherwise than 404 or 410, so it may have missed pages',
  bounded: 'stopped at its maxPages or maxPerHost, so what it left out would look gone',
};

function reportHeldRoot(root: HeldRoot, batch: string): void {
  process.stderr.write(
    `tributary: nothing removed under ${root.sweepScope}: the discovery from ${root.url} ${HOLD_REASONS[root.why]} (tributary batch status ${batch})\n`,
  );
}
