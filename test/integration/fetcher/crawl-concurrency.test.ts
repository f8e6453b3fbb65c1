import { type Discover, type FetchJob, jobIdFor } from '@tributary/contracts';
import { crawlFinds, siteLinks, sitePagePath } from '@tributary/demo-api';
import { Discovery, FoundLedger } from '@tributary/fetcher';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDatabase, useDatabase } from '../../support/services.ts';

// The demo site crawled by two fetchers' discoveries (each its own client of the real database) with ten pages
// in flight, each answering after a random delay, some slowly, so pages are claimed, fetched and raised in
// orders that differ from trial to trial: every trial must find exactly the pages the site's generator says a
// breadth-first crawl finds, and publish each found job once. Two overlapping roots, recorded first as
// `tributary enqueue` does: the site's home to depth 3 and its page 1 to depth 2.

const SITE = 'http://site.example';
const PAGES = 60;
const TRIALS = 12;
const IN_FLIGHT = 10;

let database: TestDatabase;
let second: MongoClient;

beforeEach(async () => {
  database = await useDatabase();
  second = new MongoClient(database.mongoUrl);
  await second.connect();
});

afterEach(async () => {
  await second?.close();
  await database?.[Symbol.asyncDispose]();
});

type CrawlJob = FetchJob & { discover: Discover };

function root(batch: string, path: string, maxDepth: number): CrawlJob {
  const url = `${SITE}${path}`;
  return { id: jobIdFor({ url }), url, batch, discover: { kind: 'crawl', maxDepth } };
}

/** The page as the demo site serves it: its links and its canonical link. */
function sitePage(url: string): Buffer {
  const { pathname } = new URL(url);
  const page = pathname === '/site/' ? 0 : Number(/^\/site\/pages\/(\d+)$/.exec(pathname)?.[1]);
  const links = siteLinks(page, PAGES).map((link) => `<a href="${link.href}">${link.kind}</a>`);
  return Buffer.from(
    `<html><head><link rel="canonical" href="${SITE}${sitePagePath(page)}"></head><body>${links.join('')}</body></html>`,
  );
}

const answerDelay = () => (Math.random() < 0.2 ? 150 : Math.random() * 15);

/** Crawls the batch from its roots; resolves with every job published, in order. */
async function crawlSite(batch: string): Promise<FetchJob[]> {
  const roots = [root(batch, '/site/', 3), root(batch, '/site/pages/1', 2)];
  const ledgers = [database.db, second.db(database.dbName)].map((db) => new FoundLedger(db));
  for (const job of roots) await ledgers[0]?.markRoot(batch, job);
  const published: FetchJob[] = [];
  const queue: CrawlJob[] = [...roots];
  const discoveries = ledgers.map(
    (ledger) =>
      new Discovery(
        { defaultMaxPages: 10_000, maxBytes: 1_000_000 },
        {
          ledger: () => ledger,
          publish: async (job) => {
            published.push(job);
            if (job.discover !== undefined) queue.push(job as CrawlJob);
          },
        },
      ),
  );
  let busy = 0;
  const fetcher = async (slot: number) => {
    for (;;) {
      const job = queue.splice(Math.floor(Math.random() * queue.length), 1)[0];
      if (job === undefined) {
        if (busy === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      busy++;
      try {
        if (new URL(job.url).pathname.startsWith('/site/private/')) continue;
        await new Promise((resolve) => setTimeout(resolve, answerDelay()));
        await discoveries[slot % discoveries.length]?.discover(job, {
          status: 200,
          finalUrl: job.url,
          headers: { 'content-type': 'text/html; charset=utf-8' },
          body: sitePage(job.url),
        });
      } finally {
        busy--;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, slot) => fetcher(slot)));
  return published;
}

describe('a crawl under concurrency', () => {
  it('finds exactly the pages within depth, each published once, in any order of fetches', async () => {
    const expected = crawlFinds(SITE, { maxDepth: 3, pages: PAGES });
    const roots = new Set([`${SITE}/site/`, `${SITE}/site/pages/1`]);
    const expectedFound = [
      ...expected.pages.filter((url) => !roots.has(url)),
      ...expected.duplicates,
      ...expected.disallowed,
    ];
    for (let trial = 0; trial < TRIALS; trial++) {
      const urls = (await crawlSite(`trial-${trial}`)).map((job) => job.url);
      expect(
        urls.filter((url, i) => urls.indexOf(url) !== i),
        `trial ${trial}: published twice`,
      ).toEqual([]);
      expect(urls.sort(), `trial ${trial}`).toEqual(expectedFound.sort());
    }
  }, 180_000);
});
