import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atomFeedXml } from './atom-feed.ts';
import {
  atomFeedRecordUrls,
  crawlFinds,
  crawlUrls,
  feedPageUrls,
  feedRecordUrls,
  siteSitemapPageUrls,
} from './discovery-expectations.ts';
import { feedFor } from './feed.ts';
import { siteDepth } from './site-links.ts';
import { sitemapGzip, sitemapXml } from './sitemap.ts';

const origin = 'http://127.0.0.2:8080';
const site = (...pages: number[]) =>
  pages.map((p) => (p === 0 ? `${origin}/site/` : `${origin}/site/pages/${p}`));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('siteSitemapPageUrls', () => {
  it('lists the home and every live page: the locs of both sitemaps', () => {
    expect(siteSitemapPageUrls(origin, 60)).toEqual(site(0, ...range(1, 60)));
    const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    for (const pages of [0, 1, 9, 60]) {
      expect(siteSitemapPageUrls(origin, pages)).toEqual([
        ...locs(sitemapXml(origin, 'first', pages)),
        ...locs(gunzipSync(sitemapGzip(origin, pages)).toString('utf8')),
      ]);
    }
  });
});

describe('crawlUrls', () => {
  it('reaches the home alone at depth 0, then one level of the tree per hop', () => {
    expect(crawlUrls(origin, { maxDepth: 0, pages: 60 })).toEqual(site(0));
    expect(crawlUrls(origin, { maxDepth: 1, pages: 60 })).toEqual(site(0, 1, 2, 3));
    expect(crawlUrls(origin, { maxDepth: 2, pages: 60 })).toEqual(site(0, ...range(1, 12)));
    expect(crawlUrls(origin, { maxDepth: 3, pages: 60 })).toEqual(site(0, ...range(1, 39)));
    expect(crawlUrls(origin, { maxDepth: 9, pages: 60 })).toEqual(site(0, ...range(1, 60)));
  });

  it('stops at the live page count', () => {
    expect(crawlUrls(origin, { maxDepth: 2, pages: 7 })).toEqual(site(0, ...range(1, 7)));
    expect(crawlUrls(origin, { maxDepth: 5, pages: 0 })).toEqual(site(0));
  });

  it('never lists a private, off-site or duplicate URL', () => {
    const urls = crawlUrls(origin, { maxDepth: 9, pages: 60 });
    expect(urls.filter((u) => /private|other\.example|[?#]/.test(u))).toEqual([]);
    expect(new Set(urls).size).toBe(urls.length);
  });

  it('tells the duplicate and private URLs on the pages whose links are followed', () => {
    expect(crawlFinds(origin, { maxDepth: 1, pages: 60 })).toEqual({
      pages: site(0, 1, 2, 3),
      duplicates: [],
      disallowed: [],
    });
    // Depth 3 follows the links of pages 0–12: page 5 and 10 link to duplicates of 3 and 5.
    expect(crawlFinds(origin, { maxDepth: 3, pages: 60 })).toMatchObject({
      duplicates: [`${origin}/site/pages/3?ref=dup`, `${origin}/site/pages/5?ref=dup`],
      disallowed: range(1, 12).map((n) => `${origin}/site/private/${n}`),
    });
  });

  it('finds exactly the live pages within the depth, whatever the count and depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 7 }), (pages, maxDepth) => {
        const within = range(0, pages).filter((p) => siteDepth(p) <= maxDepth);
        expect(crawlUrls(origin, { maxDepth, pages })).toEqual(site(...within));
      }),
    );
  });
});

describe('feed expectations', () => {
  /** Follows the JSON feed's next links from page 1, the way a discoverer does, collecting item URLs. */
  function followFeed(options: { pageSize?: number; total?: number }) {
    const pages: string[] = [];
    const records: string[] = [];
    const first = new URLSearchParams({ page: '1' });
    if (options.pageSize !== undefined) first.set('pageSize', String(options.pageSize));
    if (options.total !== undefined) first.set('total', String(options.total));
    let next: string | null = `/feed?${first}`;
    while (next !== null) {
      pages.push(`${origin}${next}`);
      const query: URLSearchParams = new URL(next, origin).searchParams;
      const feed = feedFor({
        page: Number(query.get('page')),
        pageSize: Number(query.get('pageSize') ?? 20),
        total: Number(query.get('total') ?? 1000),
      });
      records.push(...feed.items.map((item) => new URL(item.url, origin).href));
      next = feed.next;
    }
    return { pages, records };
  }

  it('lists every record the JSON feed pages through, and the pages fetched', () => {
    for (const options of [{}, { pageSize: 7, total: 50 }, { total: 0 }, { pageSize: 5, total: 5 }]) {
      const followed = followFeed(options);
      expect(feedRecordUrls(origin, options)).toEqual(followed.records);
      // The first page as this test wrote it; the later ones as the feed's next links do.
      expect(feedPageUrls(origin, options).slice(1)).toEqual(followed.pages.slice(1));
    }
    expect(feedPageUrls(origin, { pageSize: 7, total: 50 })[0]).toBe(
      `${origin}/feed?page=1&pageSize=7&total=50`,
    );
  });

  it('lists the same records for the Atom feed, as its entries link them', () => {
    const options = { pageSize: 7, total: 20 };
    const linked = feedPageUrls(origin, { ...options, format: 'atom' }).flatMap((url) => {
      const page = Number(new URL(url).searchParams.get('page'));
      const xml = atomFeedXml(origin, { ...options, page });
      return [...xml.matchAll(/<link href="([^"]+)"\/>/g)].map((m) => m[1]);
    });
    expect(atomFeedRecordUrls(origin, options)).toEqual(linked);
    expect(linked).toHaveLength(20);
    expect(feedPageUrls(origin, { ...options, format: 'atom' })[2]).toBe(
      `${origin}/feed.atom?page=3&pageSize=7&total=20`,
    );
  });
});
