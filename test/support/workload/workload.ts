import type { Stage } from '@tributary/contracts';
import { jobIdFor } from '@tributary/contracts';
import { createRandom } from '../../../services/demo-api/src/prng.ts';

/**
 * The whole-system workload: demo-API pages and records over several hosts, with the faults a real upstream
 * has, and for every job what the pipeline must make of it. Pure and deterministic for a seed, so a chaos run
 * and a run without chaos get the same jobs and must end in the same state.
 */

export type ContentRoute = 'pages' | 'records';

/** What must become of a job, from the demo API's documented behaviour and the fetcher's failure table. */
export type ExpectedOutcome =
  /** Stored with the content of `/ROUTE/ID` (faults only delay it). */
  { outcome: 'stored' } | { outcome: 'dead'; stage: Stage; reason: string };

export interface WorkloadJob {
  /** The job as a line of a job file. */
  line: string;
  jobId: string;
  url: string;
  route: ContentRoute;
  /** The demo API's content id. */
  contentId: number;
  /** What the job exercises, for failure messages and the report: `clean`, `500-twice`, … */
  kind: string;
  expected: ExpectedOutcome;
}

export interface Workload {
  /** Distinct jobs, in the order they are enqueued. */
  jobs: WorkloadJob[];
  /** The job file: every job's line, plus the duplicates, which the command enqueues once. */
  lines: string[];
  duplicateLines: number;
}

/** The fetcher settings the expectations assume (every run of the workload sets them). */
export const WORKLOAD_FETCH_SETTINGS = {
  FETCH_MAX_ATTEMPTS: '3',
  FETCH_BACKOFF_BASE_MS: '200',
  FETCH_BACKOFF_MAX_MS: '1000',
  FETCH_HEADERS_TIMEOUT_MS: '1500',
  FETCH_BODY_TIMEOUT_MS: '1500',
  FETCH_MAX_BODY_BYTES: String(1024 * 1024),
  FETCH_PER_HOST_RATE: '100',
  FETCH_PER_HOST_CONCURRENCY: '16',
} as const;

interface FaultKind {
  kind: string;
  route: ContentRoute;
  query: string;
  expected: ExpectedOutcome;
}

const stored: ExpectedOutcome = { outcome: 'stored' };
const deadAtFetch = (reason: string): ExpectedOutcome => ({ outcome: 'dead', stage: 'fetch', reason });

/** Each fault with its outcome under WORKLOAD_FETCH_SETTINGS (3 attempts, 1.5 s timeouts, a 1 MiB body limit). */
export const FAULT_KINDS: readonly FaultKind[] = [
  { kind: '500-twice', route: 'pages', query: 'failFirst=2', expected: stored },
  { kind: '503-once', route: 'records', query: 'failFirst=1&failStatus=503', expected: stored },
  {
    kind: '429-retry-after-seconds',
    route: 'records',
    query: 'failFirst=1&failStatus=429&retryAfter=1',
    expected: stored,
  },
  {
    kind: '429-retry-after-date',
    route: 'pages',
    query: 'failFirst=1&failStatus=429&retryAfterDate=1',
    expected: stored,
  },
  { kind: 'redirected-twice', route: 'pages', query: 'redirects=2', expected: stored },
  { kind: 'slow', route: 'records', query: 'latency=600', expected: stored },
  { kind: 'timeout', route: 'records', query: 'hang=1', expected: deadAtFetch('timeout') },
  { kind: 'corrupt-json', route: 'records', query: 'corrupt=1', expected: deadAtFetch('corrupted-response') },
  {
    kind: 'truncated',
    route: 'pages',
    query: 'truncate=length',
    expected: deadAtFetch('corrupted-response'),
  },
  { kind: 'not-found', route: 'records', query: 'status=404', expected: deadAtFetch('not-found') },
  { kind: 'gone', route: 'pages', query: 'status=410', expected: deadAtFetch('gone') },
  { kind: 'too-large', route: 'records', query: 'size=2000000', expected: deadAtFetch('body-too-large') },
  {
    kind: 'redirect-to-private',
    route: 'pages',
    query: 'redirectTo=private',
    expected: deadAtFetch('blocked-address'),
  },
  {
    kind: 'redirect-to-metadata',
    route: 'records',
    query: 'redirectTo=metadata',
    expected: deadAtFetch('blocked-address'),
  },
  {
    kind: 'redirect-to-loopback',
    route: 'pages',
    query: 'redirectTo=loopback',
    expected: deadAtFetch('blocked-address'),
  },
];

export interface WorkloadOptions {
  /** Base URLs of the demo API, one per host (`http://127.0.0.2:8080`): jobs are spread over them. */
  origins: readonly string[];
  /** Distinct jobs in all. */
  jobs: number;
  /** Jobs of each fault kind (spread over the origins). */
  perFault: number;
  /** Lines repeated (some verbatim, some with their query reordered: the same job). */
  duplicates: number;
  seed: number;
}

/**
 * About two thirds records, one third pages; the faults and duplicates are spread through the file at random
 * (from `seed`). Lines are bare URLs (the job's id is computed from it) or FetchJobs as JSON, some with `meta`.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  const random = createRandom(options.seed);
  const faultJobs = FAULT_KINDS.length * options.perFault;
  if (options.origins.length === 0) throw new RangeError('a workload needs at least one origin');
  if (options.jobs < faultJobs) {
    throw new RangeError(
      `${options.jobs} jobs cannot hold ${faultJobs} faults (${options.perFault} per kind)`,
    );
  }
  const plan: (FaultKind | undefined)[] = [
    ...FAULT_KINDS.flatMap((fault) => Array.from({ length: options.perFault }, () => fault)),
    ...Array.from({ length: options.jobs - faultJobs }, () => undefined),
  ];
  shuffle(plan, random.next);

  const jobs = plan.map((fault, index): WorkloadJob => {
    const contentId = index + 1;
    const origin = options.origins[index % options.origins.length] as string;
    const route: ContentRoute = fault?.route ?? (index % 3 === 0 ? 'pages' : 'records');
    const url = `${origin}/${route}/${contentId}${fault ? `?${fault.query}` : ''}`;
    const style = index % 5;
    const line =
      style === 0
        ? JSON.stringify({ url, meta: { team: 'search', n: contentId } })
        : style === 1
          ? JSON.stringify({ url })
          : url;
    return {
      line,
      jobId: jobIdFor({ url }),
      url,
      route,
      contentId,
      kind: fault?.kind ?? 'clean',
      expected: fault?.expected ?? stored,
    };
  });

  const lines = jobs.map((job) => job.line);
  for (let n = 0; n < options.duplicates; n++) {
    const job = jobs[Math.floor(random.next() * jobs.length)] as WorkloadJob;
    // After the original, so that the line enqueued (the first of its id) is always the job's own.
    const after = lines.indexOf(job.line) + 1;
    const at = after + Math.floor(random.next() * (lines.length - after + 1));
    lines.splice(at, 0, n % 2 === 0 ? job.line : reordered(job.url));
  }
  return { jobs, lines, duplicateLines: options.duplicates };
}

/** The same URL with its query parameters in reverse order: the same job (ids sort the query). */
function reordered(url: string): string {
  const parsed = new URL(url);
  const params = [...parsed.searchParams].reverse();
  parsed.search = new URLSearchParams(params).toString();
  return parsed.toString();
}

function shuffle<T>(items: T[], next: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
