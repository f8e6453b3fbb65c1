import { type Discover, type FetchJob, jobIdFor } from '@tributary/contracts';
import { Discovery, FoundLedger } from '@tributary/fetcher';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDatabase, useDatabase } from '../../support/services.ts';

// A crawl's depth is counted on the shortest path from its roots, whatever order its pages are fetched in. Two
// roots overlap: A (depth 2) finds C first, one hop short of what R (depth 3) gives it; C → D → E, and E is
// within R's depth only; C also links back to R. The roots are recorded first, as `tributary enqueue` does. The
// pages are "fetched" in both orders a race can give: the raise must reach E either way, and nothing may be found
// twice (R following C's links must not take the link back to itself for a find of its own).

const SITE = 'http://site.example';
const LINKS: Record<string, string[]> = {
  '/r': ['/a', '/c'],
  '/a': ['/c'],
  '/c': ['/d', '/r'],
  '/d': ['/e'],
  '/e': [],
};

let database: TestDatabase;
let published: FetchJob[];
let discovery: Discovery;
let ledger: FoundLedger;

beforeEach(async () => {
  database = await useDatabase();
  published = [];
  ledger = new FoundLedger(database.db);
  await ledger.markRoot('crawl', root('/a', 2));
  await ledger.markRoot('crawl', root('/r', 3));
  discovery = new Discovery(
    { defaultMaxPages: 100, maxBytes: 1_000_000 },
    { ledger: () => ledger, publish: async (job) => void published.push(job) },
  );
});

afterEach(() => database?.[Symbol.asyncDispose]());

function root(path: string, maxDepth: number): FetchJob & { discover: Discover } {
  const url = `${SITE}${path}`;
  return { id: jobIdFor({ url }), url, batch: 'crawl', discover: { kind: 'crawl', maxDepth } };
}

/** The job published for a path, as the fetcher would receive it. */
function publishedJob(path: string): FetchJob & { discover: Discover } {
  const job = published.find((candidate) => candidate.url === `${SITE}${path}`);
  if (job?.discover === undefined) throw new Error(`no crawl job was published for ${path}`);
  return job as FetchJob & { discover: Discover };
}

/** Discovers from the job's page as the demo site would serve it. */
async function crawl(job: FetchJob & { discover: Discover }): Promise<void> {
  const path = new URL(job.url).pathname;
  const html = `<html><body>${(LINKS[path] ?? []).map((href) => `<a href="${href}">${href}</a>`).join('')}</body></html>`;
  await discovery.discover(job, {
    status: 200,
    finalUrl: job.url,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(html),
  });
}

const publishedPaths = () => published.map((job) => new URL(job.url).pathname).sort();

describe('crawl reach', () => {
  it('follows the links of a page fetched already when a later root reaches it in fewer hops', async () => {
    await crawl(root('/a', 2));
    await crawl(publishedJob('/c'));
    await crawl(publishedJob('/d'));
    expect(publishedPaths()).toEqual(['/c', '/d']);
    // D is at A's depth: E is not found from A's crawl. R reaches C one hop sooner and so D, whose kept links lead
    // to E within R's depth, without C or D being fetched again.
    await crawl(root('/r', 3));
    expect(publishedPaths()).toEqual(['/c', '/d', '/e']);
    expect(publishedJob('/e').found).toEqual({ root: root('/r', 3).id, depth: 3 });
  });

  it('follows a raise when the page is fetched after it; a redelivered finder publishes again only its own claims', async () => {
    await crawl(root('/a', 2));
    await crawl(root('/r', 3));
    expect(publishedPaths()).toEqual(['/c']);
    await crawl(publishedJob('/c'));
    await crawl(publishedJob('/d'));
    expect(publishedPaths()).toEqual(['/c', '/d', '/e']);
    // Redelivered, a finder publishes again what it claimed itself and nothing more: R claimed nothing (it
    // raised C, and the page that raised D was C); C claimed D.
    await crawl(root('/r', 3));
    expect(publishedPaths()).toEqual(['/c', '/d', '/e']);
    await crawl(publishedJob('/c'));
    expect(publishedPaths()).toEqual(['/c', '/d', '/d', '/e']);
  });
});
