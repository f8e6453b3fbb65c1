/**
 * The demo batch: content of the demo API (HTML pages and JSON records), with a few requests that fail on
 * purpose, so that retries, a 429's pause and dead letters show in the logs, the metrics and the batch's
 * outcome. The fault parameters are the demo API's (services/demo-api/src/faults.ts). Pure and deterministic.
 */

export interface DemoJob {
  url: string;
  /** What the job shows, for a person reading the job file. */
  shows: string;
}

interface DemoFault {
  route: 'pages' | 'records';
  query: string;
  shows: string;
}

/** In the order they are included when the batch is small. */
export const DEMO_FAULTS: readonly DemoFault[] = [
  {
    route: 'pages',
    query: 'failFirst=2',
    shows: 'answers 500 twice, then the page: stored after two retries',
  },
  { route: 'records', query: 'status=404', shows: 'answers 404: dead-lettered at once (not-found)' },
  {
    route: 'records',
    query: 'failFirst=1&failStatus=429&retryAfter=2',
    shows: 'answers 429 with Retry-After: 2 once: the host pauses, then the record is stored',
  },
  {
    route: 'records',
    query: 'corrupt=1',
    shows: 'declares JSON and sends invalid JSON: retried, then dead-lettered (corrupted-response)',
  },
  { route: 'pages', query: 'redirects=2', shows: 'redirects twice before the page: followed, stored' },
  {
    route: 'pages',
    query: 'redirectTo=metadata',
    shows:
      'redirects to the cloud metadata address: refused by the SSRF guard, dead-lettered (blocked-address)',
  },
  { route: 'pages', query: 'latency=1500', shows: 'answers after 1.5 s: a slow upstream, stored' },
];

export const DEFAULT_DEMO_JOBS = 24;

/**
 * `count` jobs on the demo API at `baseUrl`: about a third of them faults (all of DEMO_FAULTS from 19 jobs
 * on), spread through the batch, the rest alternating pages and records. Job n asks for id n.
 */
export function demoJobs(baseUrl: string, count: number = DEFAULT_DEMO_JOBS): DemoJob[] {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`a demo batch has at least 1 job, got ${count}`);
  const base = baseUrl.replace(/\/+$/, '');
  const faultCount = Math.min(DEMO_FAULTS.length, Math.ceil(count / 3));
  const step = count / faultCount;
  const faultAt = new Map<number, DemoFault>();
  DEMO_FAULTS.slice(0, faultCount).forEach((fault, index) => {
    faultAt.set(Math.floor(index * step + step / 2), fault);
  });
  const jobs: DemoJob[] = [];
  for (let index = 0; index < count; index++) {
    const id = index + 1;
    const fault = faultAt.get(index);
    if (fault) {
      jobs.push({ url: `${base}/${fault.route}/${id}?${fault.query}`, shows: fault.shows });
    } else if (index % 2 === 0) {
      jobs.push({ url: `${base}/pages/${id}`, shows: 'an HTML article page: stored as chunks' });
    } else {
      jobs.push({ url: `${base}/records/${id}`, shows: 'a JSON record: stored as chunks' });
    }
  }
  return jobs;
}

/** The job file `tributary enqueue` reads: one FetchJob a line (`{"url":…}`). */
export function demoJobFile(jobs: readonly DemoJob[]): string {
  return jobs.map((job) => `${JSON.stringify({ url: job.url })}\n`).join('');
}

/** `demo-20250107-093512`: a batch id (letters, digits, `-`) that sorts by time, in UTC. */
export function demoBatchName(now: Date): string {
  const iso = now.toISOString();
  return `demo-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}
