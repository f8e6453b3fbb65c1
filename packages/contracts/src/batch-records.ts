import type { Stage } from './names.ts';
import { crawlDepthOf } from './schemas.ts';

/** The MongoDB collections where batches are recorded: the writer records how jobs ended, the CLI reads them. */
export const BATCH_COLLECTIONS = {
  /** One record per batch: when it was enqueued and how many distinct jobs it holds. */
  batches: 'batches',
  /** One record per (batch, job): how the job ended. */
  jobs: 'batch_jobs',
  /** One record per job found by discovery in a batch (and one per discovery root): what deduplicates them. */
  found: 'batch_found',
  /** Counters of the jobs found under a root, in all and per host: what bounds a discovery. */
  foundBudgets: 'batch_found_budgets',
  /** One record per crawled page of a batch: the links it has, kept so a crawl reaching it sooner need not fetch it. */
  foundLinks: 'batch_found_links',
  /** One record per crawled page and reach raised after it was found: a crawl that reached it in fewer hops. */
  foundReach: 'batch_found_reach',
} as const;

export interface BatchRecord {
  _id: string;
  createdAt: Date;
  /** Distinct jobs enqueued in the batch so far. */
  total: number;
  /** Set once the enqueue that created it has published every job. */
  enqueuedAt?: Date;
}

/**
 * How one job of a batch ended; `stored` and `unchanged` win over `dead` (a replayed dead job that then succeeds).
 * `discovered`: a job that only found other jobs (a sitemap, a feed page, a duplicate of a canonical page).
 */
export type JobOutcome = 'stored' | 'unchanged' | 'dead' | 'discovered';

export interface BatchJobRecord {
  /** `batchJobId(batch, jobId)`: one record per job of a batch, however often it was redelivered. */
  _id: string;
  batch: string;
  jobId: string;
  outcome: JobOutcome;
  /** For `stored`: the chunks the source has now. */
  chunkCount?: number;
  /** For `dead`: where and why. */
  stage?: Stage | 'unknown';
  reason?: string;
  endedAt: Date;
}

export function batchJobId(batch: string, jobId: string): string {
  return `${batch}/${jobId}`;
}

/**
 * A job found by discovery in a batch, or a discovery root (`depth` 0, counted in the batch by whoever enqueued
 * it). Inserted before the job is published: a second finding of the same job (another page linking to it,
 * another replica) fails on the `_id` and publishes nothing. `by` is the job that found it, which publishes it
 * again if it is itself redelivered.
 */
export interface FoundJobRecord {
  /** `batchJobId(batch, jobId)`. */
  _id: string;
  batch: string;
  jobId: string;
  url: string;
  root: string;
  by: string;
  depth: number;
  /** For a crawl's page: how many more link hops its crawl follows from it (its maxDepth less its depth). */
  reach?: number;
  /** For a root: the URL prefix a sweep after its discovery may remove sources under. */
  sweepScope?: string;
  /** For a root: a bound (maxPages, maxPerHost) left found URLs unclaimed, so a sweep must not trust it. */
  bounded?: boolean;
  foundAt: Date;
}

/**
 * The record of a discovery root (depth 0), written by whoever sees the root first (the enqueue, or the fetcher
 * for a root published otherwise), so that the root found again by any discovery of its batch is a duplicate.
 */
export function rootFoundRecord(
  batch: string,
  root: {
    id: string;
    url: string;
    discover: { kind: string; sweepScope?: string | undefined; maxDepth?: number | undefined };
  },
  now = new Date(),
): FoundJobRecord {
  return {
    _id: batchJobId(batch, root.id),
    batch,
    jobId: root.id,
    url: root.url,
    root: root.id,
    by: root.id,
    depth: 0,
    ...(root.discover.kind === 'crawl' ? { reach: crawlDepthOf(root.discover) } : {}),
    sweepScope: sweepScopeOf(root),
    foundAt: now,
  };
}

/**
 * What a sweep after a root's discovery may remove sources under: its `sweepScope`, else a crawl root's
 * directory (`/docs/` of `/docs/index.html`) and the whole site of any other root (a sitemap, a feed or an API
 * lists pages anywhere on its site).
 */
export function sweepScopeOf(root: {
  url: string;
  discover: { kind: string; sweepScope?: string | undefined };
}): string {
  if (root.discover.sweepScope !== undefined) return root.discover.sweepScope;
  const url = new URL(root.url);
  if (root.discover.kind !== 'crawl') return `${url.origin}/`;
  return `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1)}`;
}
