import { crawlDepthOf, type Discover } from '@tributary/contracts';
import { parseFeed } from './feed.ts';
import { normaliseFoundUrl } from './found-url.ts';
import { extractLinks } from './html-links.ts';
import { parseJsonPage } from './json-pages.ts';
import { nextFromLinkHeader } from './link-header.ts';
import { RobotsRules } from './robots.ts';
import { parseSitemap } from './sitemap.ts';
import { UrlScope } from './url-scope.ts';

/** A URL a page found, as a job to be: one that discovers in its turn (`discovers`) or only ingests. */
export interface FoundUrl {
  url: string;
  /** It carries the discovering job's `discover` on: a child sitemap, a next page, a page of the crawl. */
  discovers: boolean;
  /** Its hop from the discovering page: 1, or 0 for a canonical page standing in for the page itself. */
  hop: 0 | 1;
  /** What the page said about it, kept in the found job's `meta` (a sitemap's `<lastmod>`). */
  meta?: Record<string, string>;
}

export interface PageFinds {
  found: FoundUrl[];
  /** Whether the discovering page itself is ingested (published to the transform stage). */
  ingest: boolean;
}

/** The discovering page as fetched. */
export interface DiscoveringPage {
  /** The job's URL. */
  url: string;
  /** The URL that answered, after redirects: what relative URLs resolve against. */
  finalUrl: string;
  contentType: string;
  linkHeader: string | string[] | undefined;
  body: Buffer;
  /** Hops from the root to this page. */
  depth: number;
}

/**
 * What a fetched page finds, by the discovery kind its job asks for (docs/architecture.md §17). Pure: parsing
 * and the scope only; claiming, bounds and publishing are discovery.ts's. Found URLs are absolute, without
 * fragments, each once, in document order, and inside the job's scope (same site unless `sameSite: false`,
 * include / exclude).
 */
export function pageFinds(
  discover: Discover,
  page: DiscoveringPage,
  options: { maxBytes: number },
): PageFinds {
  const finds = new FoundUrls(page.url, discover);
  const ingest = discover.ingest ?? discover.kind === 'crawl';
  switch (discover.kind) {
    case 'sitemap': {
      if (new URL(page.finalUrl).pathname === '/robots.txt') {
        const rules = RobotsRules.parse(page.finalUrl, page.body.toString('utf8'), 'tributary');
        for (const sitemap of rules.sitemaps()) finds.add(sitemap, { discovers: true, hop: 1 });
        break;
      }
      const sitemap = parseSitemap(page.body, page.finalUrl, { maxBytes: options.maxBytes });
      for (const child of sitemap.sitemaps) finds.add(child, { discovers: true, hop: 1 });
      for (const listed of sitemap.pages) {
        finds.add(listed.url, {
          discovers: false,
          hop: 1,
          ...(listed.lastmod === undefined ? {} : { meta: { lastmod: listed.lastmod } }),
        });
      }
      break;
    }
    case 'api': {
      const listing = parseJsonPage(page.body.toString('utf8'), page.finalUrl, discover);
      for (const item of listing.items) finds.add(item, { discovers: false, hop: 1 });
      const next = listing.next ?? nextFromLinkHeader(page.linkHeader, page.finalUrl);
      if (next !== undefined) finds.add(next, { discovers: true, hop: 1 });
      break;
    }
    case 'feed': {
      const feed = parseFeed(page.body.toString('utf8'), page.finalUrl);
      for (const entry of feed.entries) finds.add(entry, { discovers: false, hop: 1 });
      const next = feed.next ?? nextFromLinkHeader(page.linkHeader, page.finalUrl);
      if (next !== undefined) finds.add(next, { discovers: true, hop: 1 });
      break;
    }
    case 'crawl': {
      const outgoing = crawlOutgoing(page);
      if (outgoing !== undefined) return crawlFinds(discover, page.url, page.depth, outgoing);
      break;
    }
  }
  return { found: finds.list(), ingest };
}

/** A page's finds as they are added: normalised, each once, in scope, and never the page itself. */
class FoundUrls {
  readonly #page: string;
  readonly #scope: UrlScope;
  readonly #found = new Map<string, FoundUrl>();

  constructor(pageUrl: string, discover: Discover) {
    this.#page = normaliseFoundUrl(pageUrl);
    this.#scope = new UrlScope(pageUrl, discover);
  }

  add(url: string, entry: Omit<FoundUrl, 'url'>): void {
    const normalised = normaliseFoundUrl(url);
    // The page itself is no find of its own: a link back to it is already its job.
    if (normalised === this.#page || this.#found.has(normalised) || !this.#scope.allows(normalised)) return;
    this.#found.set(normalised, { url: normalised, ...entry });
  }

  list(): FoundUrl[] {
    return [...this.#found.values()];
  }
}

/**
 * Where a crawled page leads: its canonical page when that is another (the page is then a duplicate, not stored),
 * else its links; undefined for a page that is not HTML. Kept by the ledger, so that a crawl reaching the page in
 * fewer hops later can follow its links further without fetching it again.
 */
export interface CrawlOutgoing {
  canonical?: string;
  links: string[];
}

export function crawlOutgoing(
  page: Pick<DiscoveringPage, 'url' | 'finalUrl' | 'contentType' | 'body'>,
): CrawlOutgoing | undefined {
  if (!isHtml(page.contentType)) return undefined;
  const links = extractLinks(page.body.toString('utf8'), page.finalUrl);
  if (links.canonical !== undefined && normaliseFoundUrl(links.canonical) !== normaliseFoundUrl(page.url)) {
    return { canonical: links.canonical, links: [] };
  }
  return { links: links.links };
}

/**
 * What a crawled page at `depth` finds under `discover`: a duplicate its canonical page (at its own depth), any
 * other page its links in scope, unless it is at the crawl's depth.
 */
export function crawlFinds(
  discover: Discover,
  pageUrl: string,
  depth: number,
  outgoing: CrawlOutgoing,
): PageFinds {
  const finds = new FoundUrls(pageUrl, discover);
  if (outgoing.canonical !== undefined) {
    finds.add(outgoing.canonical, { discovers: true, hop: 0 });
    return { found: finds.list(), ingest: false };
  }
  if (depth < crawlDepthOf(discover)) {
    for (const link of outgoing.links) finds.add(link, { discovers: true, hop: 1 });
  }
  return { found: finds.list(), ingest: discover.ingest ?? true };
}

function isHtml(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}
