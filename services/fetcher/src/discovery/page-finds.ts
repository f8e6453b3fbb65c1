import type { Discover } from '@tributary/contracts';
import { parseFeed } from './feed.ts';
import { normaliseFoundUrl } from './found-url.ts';
import { extractLinks } from './html-links.ts';
import { parseJsonPage } from './json-pages.ts';
import { nextFromLinkHeader } from './link-header.ts';
import { RobotsRules } from './robots.ts';
import { parseSitemap } from './sitemap.ts';
import { UrlScope } from './url-scope.ts';

/** Crawl depth when the job names none: the root's links and theirs. */
export const DEFAULT_CRAWL_DEPTH = 2;

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
  const scope = new UrlScope(page.url, discover);
  const found = new Map<string, FoundUrl>();
  const add = (url: string, entry: Omit<FoundUrl, 'url'>) => {
    const normalised = normaliseFoundUrl(url);
    if (!found.has(normalised) && scope.allows(normalised))
      found.set(normalised, { url: normalised, ...entry });
  };
  let ingest = discover.ingest ?? discover.kind === 'crawl';
  switch (discover.kind) {
    case 'sitemap': {
      if (new URL(page.finalUrl).pathname === '/robots.txt') {
        const rules = RobotsRules.parse(page.finalUrl, page.body.toString('utf8'), 'tributary');
        for (const sitemap of rules.sitemaps()) add(sitemap, { discovers: true, hop: 1 });
        break;
      }
      const sitemap = parseSitemap(page.body, page.finalUrl, { maxBytes: options.maxBytes });
      for (const child of sitemap.sitemaps) add(child, { discovers: true, hop: 1 });
      for (const listed of sitemap.pages) {
        add(listed.url, {
          discovers: false,
          hop: 1,
          ...(listed.lastmod === undefined ? {} : { meta: { lastmod: listed.lastmod } }),
        });
      }
      break;
    }
    case 'api': {
      const listing = parseJsonPage(page.body.toString('utf8'), page.finalUrl, discover);
      for (const item of listing.items) add(item, { discovers: false, hop: 1 });
      const next = listing.next ?? nextFromLinkHeader(page.linkHeader, page.finalUrl);
      if (next !== undefined) add(next, { discovers: true, hop: 1 });
      break;
    }
    case 'feed': {
      const feed = parseFeed(page.body.toString('utf8'), page.finalUrl);
      for (const entry of feed.entries) add(entry, { discovers: false, hop: 1 });
      const next = feed.next ?? nextFromLinkHeader(page.linkHeader, page.finalUrl);
      if (next !== undefined) add(next, { discovers: true, hop: 1 });
      break;
    }
    case 'crawl': {
      if (!isHtml(page.contentType)) break;
      const links = extractLinks(page.body.toString('utf8'), page.finalUrl);
      // A duplicate of a canonical page is not stored: its canonical page is, once, whoever links to it.
      if (
        links.canonical !== undefined &&
        normaliseFoundUrl(links.canonical) !== normaliseFoundUrl(page.url)
      ) {
        ingest = false;
        add(links.canonical, { discovers: true, hop: 0 });
        break;
      }
      if (page.depth >= (discover.maxDepth ?? DEFAULT_CRAWL_DEPTH)) break;
      for (const link of links.links) add(link, { discovers: true, hop: 1 });
      break;
    }
  }
  // The page itself is no find of its own: a link back to it is already its job.
  found.delete(normaliseFoundUrl(page.url));
  return { found: [...found.values()], ingest };
}

function isHtml(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}
