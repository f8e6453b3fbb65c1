import { FEED_DEFAULTS, type FeedFormat, feedPageUrl } from './feed.ts';
import {
  checkSitePages,
  parseSitePage,
  SITE_HOME_PATH,
  SITE_PRIVATE_PREFIX,
  siteLinks,
  sitePagePath,
} from './site-links.ts';
import { sitemapPages } from './sitemap.ts';

/**
 * What a discoverer should find on the demo API, computed from the generators and never from the server, for
 * tests that compare a discovery's jobs with the exact URLs expected. `origin` is the scheme, host and port the
 * discovery started from (`http://127.0.0.2:8080`): the demo API writes every absolute URL from the request's
 * Host header, so the URLs found are on that origin, spelt as given here. `pages` is the site's live page count:
 * `DEMO_SITE_PAGES` (default 60) unless `POST /control/site?pages=` changed it.
 */

/**
 * Every URL the two sitemaps list, in their order: the home, then pages 1..pages. The same list whether a
 * discovery starts at `/robots.txt`, at `/sitemap.xml` or reads both sitemaps itself.
 */
export function siteSitemapPageUrls(origin: string, pages: number): string[] {
  return [...sitemapPages('first', pages), ...sitemapPages('second', pages)].map(
    (page) => `${origin}${sitePagePath(page)}`,
  );
}

export interface CrawlExpectation {
  /**
   * Link hops from the home still followed: the pages at depth ≤ maxDepth are reached (0: the home alone, 1:
   * the home and pages 1–3, 2: pages up to 12, 3: up to 39, 4: up to 120).
   */
  maxDepth: number;
  /** The site's live page count. */
  pages: number;
}

/** What a same-site, breadth-first crawl from `<origin>/site/` finds, by what becomes of it. */
export interface CrawlFinds {
  /** The site pages it stores, the home included, in breadth-first order (page order): `crawlUrls`. */
  pages: string[];
  /**
   * The duplicate URLs (`/site/pages/m?ref=dup`) on the pages whose links it follows, in the order found: each
   * fetched once, not stored, since its canonical link names page m, which is stored once under its own URL.
   */
  duplicates: string[];
  /**
   * The private URLs (`/site/private/n`) on the pages whose links it follows, in the order found: robots.txt
   * disallows them, so a crawl that honours it never fetches one (`/stats` counts none on `/site/private/:id`).
   */
  disallowed: string[];
}

/**
 * What a same-site, breadth-first crawl from `<origin>/site/` finds within `maxDepth`. Computed by walking
 * `siteLinks()` the way such a crawl does, assuming it:
 * - follows the links of the pages at depth < maxDepth, and fetches (but does not follow) those at maxDepth;
 * - resolves each href against the URL of the page it is on, and drops the fragment (`#top` is the page itself,
 *   the home and parent links lead to pages already found);
 * - keeps only URLs on the origin it started from (`http://other.example/n` is off-site, never listed);
 * - counts a page found again under another URL as the page its canonical link names: `/site/pages/m?ref=dup`
 *   is page m. Duplicates always name an earlier page (see `siteDuplicateOf`), already found by then, so they
 *   change nothing about which pages are stored, whether the crawl reads the canonical link or not.
 *
 * There is no page budget (`maxPages`) here, on purpose: which URLs a budget keeps depends on timing when
 * several fetches (or fetcher replicas) are in flight, and on whether duplicate and disallowed URLs count
 * against it. A test of a budgeted crawl can check that what it stored is a subset of `pages` no larger than
 * the budget, not which pages it holds.
 */
export function crawlFinds(origin: string, options: CrawlExpectation): CrawlFinds {
  const { maxDepth, pages } = options;
  checkSitePages(pages);
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new RangeError(`maxDepth must be an integer ≥ 0, got ${maxDepth}`);
  }
  const site = new URL(origin).origin;
  const reached = [0];
  const seen = new Set([0]);
  const duplicates = new Set<string>();
  const disallowed = new Set<string>();
  let frontier = [0];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const page of frontier) {
      const base = `${origin}${sitePagePath(page)}`;
      for (const link of siteLinks(page, pages)) {
        const url = new URL(link.href, base);
        if (url.origin !== site) continue;
        const spelt = `${origin}${url.pathname}${url.search}`;
        if (url.pathname.startsWith(SITE_PRIVATE_PREFIX)) {
          disallowed.add(spelt);
          continue;
        }
        const target = sitePageOf(url.pathname);
        if (target === undefined) continue;
        if (url.search !== '') duplicates.add(spelt);
        if (seen.has(target)) continue;
        seen.add(target);
        reached.push(target);
        next.push(target);
      }
    }
    frontier = next;
  }
  return {
    pages: reached.map((page) => `${origin}${sitePagePath(page)}`),
    duplicates: [...duplicates],
    disallowed: [...disallowed],
  };
}

/**
 * The site pages a same-site, breadth-first crawl from `<origin>/site/` stores within `maxDepth`, the home
 * included, in breadth-first order (which is page order); private, off-site and duplicate URLs left out. The
 * assumptions, and why there is no `maxPages`, are `crawlFinds`'s.
 */
export function crawlUrls(origin: string, options: CrawlExpectation): string[] {
  return crawlFinds(origin, options).pages;
}

/** The site page a path names, query aside (the canonical page of a duplicate URL); undefined off the site. */
function sitePageOf(pathname: string): number | undefined {
  if (pathname === SITE_HOME_PATH) return 0;
  const id = /^\/site\/pages\/([^/]+)$/.exec(pathname)?.[1];
  return id === undefined ? undefined : parseSitePage(id);
}

export interface FeedExpectation {
  /** How many records the feed lists; the `total` query parameter. Default 1,000. */
  total?: number;
  /** Items per page; the `pageSize` query parameter. Default 20. */
  pageSize?: number;
}

/**
 * The record URLs a discoverer finds following `/feed` (JSON, `items[].url` resolved against the page, and
 * `next` or the Link header) from page 1 to the end, with the same `total` and `pageSize` on every page (the
 * `next` links keep them): `<origin>/records/1` to `<origin>/records/<total>`, in order.
 */
export function feedRecordUrls(origin: string, options: FeedExpectation = {}): string[] {
  const total = options.total ?? FEED_DEFAULTS.total;
  return Array.from({ length: total }, (_, i) => `${origin}/records/${i + 1}`);
}

/**
 * The record URLs the entries of `/feed.atom` link to, from page 1 to the end: the same records as the JSON
 * feed's, since both page the same listing.
 */
export function atomFeedRecordUrls(origin: string, options: FeedExpectation = {}): string[] {
  return feedRecordUrls(origin, options);
}

/**
 * The pages a discoverer fetches following a feed's next links from page 1: `/feed?page=1` (or
 * `/feed.atom?page=1`) to the last page, absolute, with `pageSize` and `total` when not the defaults (as the
 * next links write them). An empty feed still has its page 1. A discovery that starts at `/feed` itself
 * fetches that URL in place of the first one.
 */
export function feedPageUrls(
  origin: string,
  options: FeedExpectation & { format?: FeedFormat } = {},
): string[] {
  const total = options.total ?? FEED_DEFAULTS.total;
  const pageSize = options.pageSize ?? FEED_DEFAULTS.pageSize;
  const count = Math.max(1, Math.ceil(total / pageSize));
  return Array.from(
    { length: count },
    (_, i) => `${origin}${feedPageUrl(i + 1, pageSize, total, options.format ?? 'json')}`,
  );
}
