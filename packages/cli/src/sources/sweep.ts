import type { Db } from 'mongodb';
import { readDiscoveryRoots, readJobEndings, readRootsWithFailures } from '../batches/batch-endings.ts';
import { type BatchProgress, isFinished, readBatchProgress } from '../batches/batch-progress.ts';
import { CliError, EXIT } from '../cli-errors.ts';
import { type SourceCollections, SourceStore } from './source-store.ts';
import {
  discoveryScope,
  type HeldRoot,
  type RemoveReason,
  type SweepScope,
  sweepVerdict,
} from './sweep-plan.ts';

/** A source a sweep removed, or would remove in a dry run. */
export interface SweptSource {
  id: string;
  url: string;
  why: RemoveReason;
}

export interface SweepSummary {
  batch: string;
  /** The URL prefixes swept. */
  scopes: string[];
  /** The URL prefixes left alone: discoveries that may have missed pages. */
  held: string[];
  dryRun: boolean;
  /** Sources removed (in a dry run, that would be) and their chunks. */
  sources: number;
  chunks: number;
  /** Sources in scope kept although their job was dead: for another reason than a gone page. */
  keptFailing: number;
}

export interface SweepDeps {
  db: Db;
  collections: SourceCollections;
}

export interface SweepOptions {
  batch: string;
  scope: SweepScope;
  /** List what would go, remove nothing. */
  dryRun?: boolean | undefined;
  /** Called for each source removed (or that would be), in the order they are read. */
  onSource?: (source: SweptSource) => void;
}

/**
 * Removes, after `batch` has ended, the sources `sweepVerdict` condemns within the scope, with their chunks: a
 * page of sources at a time, read through one cursor, their batch records read in one query per page. Refuses
 * (exit 1) while the batch has not ended: the verdict reads how every job ended, so nothing is removed before.
 */
export async function sweepSources(deps: SweepDeps, options: SweepOptions): Promise<SweepSummary> {
  await endedBatch(deps.db, options.batch);
  const { scope } = options;
  const summary: SweepSummary = {
    batch: options.batch,
    scopes: [...scope.scopes],
    held: [...scope.held],
    dryRun: options.dryRun ?? false,
    sources: 0,
    chunks: 0,
    keptFailing: 0,
  };
  // No scope selects nothing; a query with no prefix would read every source.
  if (scope.scopes.length === 0) return summary;
  const store = new SourceStore(deps.db, deps.collections);
  for await (const page of store.pages({ urlPrefixes: scope.scopes, fetchedBefore: scope.fetchedBefore })) {
    const endings = await readJobEndings(
      deps.db,
      options.batch,
      page.map((source) => source._id),
    );
    const going: SweptSource[] = [];
    for (const source of page) {
      const verdict = sweepVerdict(source, endings.get(source._id), scope);
      if (verdict.remove) going.push({ id: source._id, url: source.url, why: verdict.why });
      else if (verdict.why === 'failing') summary.keptFailing++;
    }
    const ids = going.map((source) => source.id);
    if (summary.dryRun) {
      summary.sources += going.length;
      summary.chunks += await store.countChunks(ids);
    } else {
      const removed = await store.remove(ids);
      summary.sources += removed.sources;
      summary.chunks += removed.chunks;
    }
    for (const source of going) options.onSource?.(source);
  }
  return summary;
}

/**
 * The sweep after a discovery batch: in the scopes of its roots (`sweepScope` of its `batch_found` records at
 * depth 0), except those of roots held by `rootHold`, with the batch's creation as the line after which a source
 * counts as fetched since. No root is an error (exit 1): there is no scope to sweep.
 */
export async function sweepDiscovery(
  deps: SweepDeps,
  options: Omit<SweepOptions, 'scope'>,
): Promise<SweepSummary & { heldRoots: HeldRoot[] }> {
  const progress = await endedBatch(deps.db, options.batch);
  const roots = await readDiscoveryRoots(deps.db, options.batch);
  if (!roots.some((root) => root.sweepScope !== undefined)) {
    throw new CliError(
      'no-discovery-root',
      `batch ${JSON.stringify(options.batch)} has no discovery root, so no scope to sweep (after a refresh: tributary refresh --url-prefix P --sweep)`,
      EXIT.failed,
    );
  }
  const endings = await readJobEndings(
    deps.db,
    options.batch,
    roots.map((root) => root.jobId),
  );
  const failedUnder = await readRootsWithFailures(deps.db, options.batch);
  const { heldRoots, ...scope } = discoveryScope(roots, endings, failedUnder, new Date(progress.createdAt));
  return { ...(await sweepSources(deps, { ...options, scope })), heldRoots };
}

/** The batch's progress once it has ended; an unknown batch is a usage error, one still running exit 1. */
async function endedBatch(db: Db, batch: string): Promise<BatchProgress> {
  const progress = await readBatchProgress(db, batch);
  if (!progress) {
    throw new CliError(
      'unknown-batch',
      `no batch ${JSON.stringify(batch)} (see: tributary batch list)`,
      EXIT.usage,
    );
  }
  if (!isFinished(progress)) {
    const state = progress.enqueued ? `${progress.inFlight} jobs still in flight` : 'still enqueuing';
    throw new CliError(
      'batch-not-ended',
      `batch ${batch} has not ended (${state}): nothing removed; sweep once it has (tributary batch wait ${batch})`,
      EXIT.failed,
    );
  }
  return progress;
}
