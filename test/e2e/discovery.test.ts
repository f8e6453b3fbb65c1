import { BATCH_COLLECTIONS, type FoundJobRecord } from '@tributary/contracts';
import {
  atomFeedRecordUrls,
  crawlFinds,
  crawlUrls,
  feedRecordUrls,
  ROUTES,
  type StatsSnapshot,
  siteSitemapPageUrls,
} from '@tributary/demo-api';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { TestPipeline } from '../support/pipeline.ts';

// Discovery on the real pipeline (two fetchers, so that every found URL could be found twice), against the demo
// API's small site, sitemaps, JSON API and Atom feed. What each discovery must find is computed from the demo
// API's generators, never read from the server. Each test uses a loopback address of its own, so that the
// sources it stores are its own.

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const SITE_PAGES = 60;

let pipeline: TestPipeline;

function origin(hostIndex: number): string {
  return `http://${HOSTS[hostIndex]}:${pipeline.demoPort}`;
}

beforeAll(async () => {
  pipeline = await TestPipeline.start({
    fetchers: 2,
    transformWorkers: 1,
    extraDemoHosts: HOSTS.slice(1),
    env: { FETCH_PER_HOST_RATE: '50', DEMO_SITE_PAGES: String(SITE_PAGES), DEMO_CRAWL_DELAY_SECONDS: '0.02' },
  });
}, 180_000);

afterAll(() => pipeline?.stop());

function showOutputOnFailure(): void {
  onTestFailed(() => {
    process.stderr.write(`the processes' last output lines:\n${pipeline.lastLines(120)}\n`);
  });
}

interface Progress {
  total: number;
  found: number;
  ended: number;
  stored: number;
  unchanged: number;
  discovered: number;
  dead: number;
  deadBy: { stage: string; reason: string; count: number }[];
}

/** Enqueues the jobs as JSON lines in the batch and waits for it to end; resolves with its progress. */
async function runBatch(batch: string, jobs: readonly object[]): Promise<Progress> {
  const enqueued = await pipeline.cli(['enqueue', '-', '--batch', batch], {
    stdin: `${jobs.map((job) => JSON.stringify(job)).join('\n')}\n`,
  });
  expect(enqueued.code, enqueued.stderr).toBe(0);
  return waitForBatch(batch);
}

async function waitForBatch(batch: string): Promise<Progress> {
  const waited = await pipeline.cli(['batch', 'wait', batch, '--json', '--timeout', '240'], {
    timeoutMs: 260_000,
  });
  expect([0, 1], `${waited.stdout}\n${waited.stderr}`).toContain(waited.code);
  return JSON.parse(waited.stdout) as Progress;
}

/** The URLs of the stored sources on an origin, sorted. */
async function storedUrls(on: string): Promise<string[]> {
  const sources = await pipeline.db
    .collection<{ url: string }>('sources')
    .find({ url: { $regex: `^${on.replaceAll('.', '\\.')}/` } }, { projection: { url: 1 } })
    .toArray();
  return sources.map((source) => source.url).sort();
}

async function demoStats(): Promise<StatsSnapshot> {
  return (await (await fetch(`${pipeline.demoUrl}/stats`)).json()) as StatsSnapshot;
}

async function resetDemoStats(): Promise<void> {
  await fetch(`${pipeline.demoUrl}/stats/reset`, { method: 'POST' });
}

/** A counter's value summed over the writers' series whose labels include `labels`. */
async function writerCounter(name: string, labels: string): Promise<number> {
  let sum = 0;
  for (const proc of pipeline.system.processes().filter((p) => p.service === 'writer')) {
    const text = await (await fetch(proc.metricsUrl)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(' ').at(-1));
    }
  }
  return sum;
}

async function foundRecords(batch: string): Promise<FoundJobRecord[]> {
  return pipeline.db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found).find({ batch }).toArray();
}

const sorted = (urls: readonly string[]) => [...urls].sort();

describe('discovery', () => {
  it("finds a site's pages through robots.txt, its sitemap index and a gzip sitemap, each page once", async () => {
    showOutputOnFailure();
    const site = origin(1);
    const progress = await runBatch('sitemap-1', [
      { url: `${site}/robots.txt`, discover: { kind: 'sitemap' } },
    ]);
    const pages = siteSitemapPageUrls(site, SITE_PAGES);
    expect(await storedUrls(site)).toEqual(sorted(pages));
    // robots.txt, the index and its two sitemaps only found; every page stored.
    expect(progress).toMatchObject({
      total: 1 + 3 + pages.length,
      found: 3 + pages.length,
      stored: pages.length,
      discovered: 4,
      dead: 0,
    });
    const found = await foundRecords('sitemap-1');
    expect(new Set(found.map((record) => record.url)).size).toBe(found.length);
    // A sitemap's lastmod travels with its page's job into the chunks' meta.
    const chunk = await pipeline.db.collection('documents').findOne({ sourceUrl: pages[1] });
    expect(chunk?.meta).toMatchObject({ lastmod: expect.any(String) });
  });

  it('crawls a site to its depth from two fetchers: each page fetched once, duplicates stored once, nothing disallowed fetched', async () => {
    showOutputOnFailure();
    const site = origin(2);
    await resetDemoStats();
    // Two roots whose crawls overlap: every page the second finds, the first finds too, at the same bound.
    const progress = await runBatch('crawl-1', [
      { url: `${site}/site/`, discover: { kind: 'crawl', maxDepth: 3 } },
      { url: `${site}/site/pages/1`, discover: { kind: 'crawl', maxDepth: 2 } },
    ]);
    const expected = crawlFinds(site, { maxDepth: 3, pages: SITE_PAGES });
    expect(await storedUrls(site)).toEqual(sorted(expected.pages));
    // Every page stored once; each duplicate URL fetched, found its canonical page and ended `discovered`; each
    // private URL dead-lettered by robots.txt unfetched.
    expect(progress).toMatchObject({
      total: expected.pages.length + expected.duplicates.length + expected.disallowed.length,
      stored: expected.pages.length,
      discovered: expected.duplicates.length,
      dead: expected.disallowed.length,
    });
    expect(progress.deadBy).toEqual([
      { stage: 'fetch', reason: 'robots-disallowed', count: expected.disallowed.length },
    ]);

    const stats = await demoStats();
    expect(stats.requests[ROUTES.sitePrivate] ?? 0).toBe(0);
    // Each job of the batch was requested once, whichever fetcher found it, and robots.txt once per fetcher at most.
    const robotsRequests = stats.requests[ROUTES.robots] ?? 0;
    expect(robotsRequests).toBeGreaterThanOrEqual(1);
    expect(robotsRequests).toBeLessThanOrEqual(2);
    const siteRequests = (stats.requests[ROUTES.siteHome] ?? 0) + (stats.requests[ROUTES.sitePage] ?? 0);
    expect(siteRequests).toBe(expected.pages.length + expected.duplicates.length);
    const found = await foundRecords('crawl-1');
    expect(new Set(found.map((record) => record.url)).size).toBe(found.length);
    expect(
      found
        .filter((record) => record.depth === 0)
        .map((record) => record.url)
        .sort(),
    ).toEqual([`${site}/site/`, `${site}/site/pages/1`]);
  });

  it('stops a crawl at its page budget', async () => {
    showOutputOnFailure();
    const site = origin(3);
    const progress = await runBatch('crawl-budget', [
      {
        url: `${site}/site/`,
        discover: { kind: 'crawl', maxDepth: 4, maxPages: 10, exclude: ['/private/'] },
      },
    ]);
    expect(progress.found).toBe(10);
    const stored = await storedUrls(site);
    const reachable = new Set(crawlUrls(site, { maxDepth: 4, pages: SITE_PAGES }));
    expect(stored.every((url) => reachable.has(url))).toBe(true);
    // The root and at most its ten finds (a duplicate found instead of a page stores nothing).
    expect(stored.length).toBeGreaterThan(1);
    expect(stored.length).toBeLessThanOrEqual(11);
    // What the budget left out is not gone: a sweep after this crawl removes nothing.
    const swept = await pipeline.cli(['sweep', 'crawl-budget']);
    expect(swept.code).toBe(1);
    expect(swept.stderr).toContain('stopped at its maxPages');
    expect(await storedUrls(site)).toEqual(stored);
  });

  it("follows a JSON API's next links and an Atom feed's, each item a job", async () => {
    showOutputOnFailure();
    const api = origin(0);
    const apiProgress = await runBatch('api-1', [
      { url: `${api}/feed?pageSize=10&total=25`, discover: { kind: 'api' } },
    ]);
    expect(await storedUrls(api)).toEqual(sorted(feedRecordUrls(api, { total: 25, pageSize: 10 })));
    expect(apiProgress).toMatchObject({ stored: 25, discovered: 3, dead: 0 });

    const feed = origin(4);
    const feedProgress = await runBatch('atom-1', [
      { url: `${feed}/feed.atom?pageSize=5&total=12`, discover: { kind: 'feed' } },
    ]);
    expect(await storedUrls(feed)).toEqual(sorted(atomFeedRecordUrls(feed, { total: 12, pageSize: 5 })));
    expect(feedProgress).toMatchObject({ stored: 12, discovered: 3, dead: 0 });
  });
});

describe('refresh and sweep', () => {
  it('refreshes an unchanged site with 304s only and no writes', async () => {
    showOutputOnFailure();
    const site = origin(2);
    const sources = (await storedUrls(site)).length;
    expect(sources).toBeGreaterThan(10);
    await resetDemoStats();
    const writtenBefore = await writerCounter('tributary_writer_sources_written_total', 'kind="content"');
    const refreshed = await pipeline.cli([
      'refresh',
      '--url-prefix',
      `${site}/site/`,
      '--batch',
      'refresh-1',
    ]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const progress = await waitForBatch('refresh-1');
    expect(progress).toMatchObject({ total: sources, unchanged: sources, stored: 0, dead: 0 });
    const stats = await demoStats();
    const homeAnswers = stats.responses[ROUTES.siteHome] ?? {};
    const pageAnswers = stats.responses[ROUTES.sitePage] ?? {};
    expect(Object.keys(homeAnswers)).toEqual(['304']);
    expect(Object.keys(pageAnswers)).toEqual(['304']);
    expect((pageAnswers['304'] ?? 0) + (homeAnswers['304'] ?? 0)).toBe(sources);
    expect(await writerCounter('tributary_writer_sources_written_total', 'kind="content"')).toBe(
      writtenBefore,
    );
  });

  it('removes with refresh --sweep the pages that answer 404 now, and keeps the rest', async () => {
    showOutputOnFailure();
    const site = origin(2);
    const before = await storedUrls(site);
    const remaining = 20;
    expect((await fetch(`${pipeline.demoUrl}/control/site?pages=${remaining}`, { method: 'POST' })).ok).toBe(
      true,
    );
    try {
      const refreshed = await pipeline.cli(
        [
          'refresh',
          '--url-prefix',
          `${site}/site/`,
          '--batch',
          'refresh-sweep',
          '--sweep',
          '--timeout',
          '240',
        ],
        { timeoutMs: 260_000 },
      );
      expect(refreshed.code, refreshed.stderr).toBe(0);
      const live = (url: string) => {
        const id = /\/site\/pages\/(\d+)$/.exec(url)?.[1];
        return id === undefined || Number(id) <= remaining;
      };
      const gone = before.filter((url) => !live(url));
      expect(gone.length).toBeGreaterThan(0);
      expect(await storedUrls(site)).toEqual(before.filter(live));
      for (const url of gone) expect(refreshed.stdout).toContain(url);
    } finally {
      await fetch(`${pipeline.demoUrl}/control/site`, { method: 'POST' });
    }
  });

  it('sweeps the pages a re-discovered sitemap no longer lists, with their chunks, and nothing else', async () => {
    showOutputOnFailure();
    const site = origin(1);
    const before = siteSitemapPageUrls(site, SITE_PAGES);
    expect(await storedUrls(site)).toEqual(sorted(before));
    const remaining = 40;
    expect((await fetch(`${pipeline.demoUrl}/control/site?pages=${remaining}`, { method: 'POST' })).ok).toBe(
      true,
    );
    try {
      await runBatch('sitemap-2', [{ url: `${site}/sitemap.xml`, discover: { kind: 'sitemap' } }]);
      const after = siteSitemapPageUrls(site, remaining);
      const gone = before.filter((url) => !after.includes(url));
      expect(gone.length).toBe(SITE_PAGES - remaining);

      const dryRun = await pipeline.cli(['sweep', 'sitemap-2', '--dry-run']);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      for (const url of gone) expect(dryRun.stdout).toContain(url);
      expect(await storedUrls(site)).toEqual(sorted(before));

      const goneIds = (
        await pipeline.db
          .collection<{ _id: string; url: string }>('sources')
          .find({ url: { $in: gone } })
          .toArray()
      ).map((source) => source._id);
      expect(
        await pipeline.db.collection('documents').countDocuments({ jobId: { $in: goneIds } }),
      ).toBeGreaterThan(0);

      const swept = await pipeline.cli(['sweep', 'sitemap-2']);
      expect(swept.code, swept.stderr).toBe(0);
      expect(await storedUrls(site)).toEqual(sorted(after));
      expect(await pipeline.db.collection('documents').countDocuments({ jobId: { $in: goneIds } })).toBe(0);
      // Other sites' sources are outside the sweep's scope.
      expect((await storedUrls(origin(2))).length).toBeGreaterThan(10);
    } finally {
      await fetch(`${pipeline.demoUrl}/control/site`, { method: 'POST' });
    }
  });
});
