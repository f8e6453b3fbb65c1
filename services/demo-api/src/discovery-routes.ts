import type { IncomingMessage, ServerResponse } from 'node:http';
import { atomFeedXml } from './atom-feed.ts';
import { isNotModified } from './conditional.ts';
import { HTML_TYPE, type Representation, represent } from './content-cache.ts';
import { sendJson } from './content-route.ts';
import { feedFor, feedOptionsFrom, feedUpdatedAt } from './feed.ts';
import { requestOrigin } from './origin.ts';
import { robotsTxt } from './robots.ts';
import { ROUTES, type RouteMatch } from './routes.ts';
import { isLiveSitePage, parseSitePage } from './site-links.ts';
import { SITE_EPOCH, sitePageFor, sitePrivatePageHtml } from './site-page.ts';
import { sitemapGzip, sitemapIndexXml, sitemapUpdatedAt, sitemapXml } from './sitemap.ts';
import type { DemoStats } from './stats.ts';

/**
 * Serves what a discoverer reads: `/robots.txt`, the sitemaps, `/feed.atom` and the small site under `/site/`.
 * Every answer is rendered from the generators for the request's Host (absolute URLs point back at the site the
 * client asked for) and the live page count, and carries an ETag and a Last-Modified, with 304s for
 * conditional requests, as content does. No fault parameters: a discovery test checks what was found, and a
 * query string on a site page (`?ref=dup`) only makes a duplicate URL of it. Rendering is not cached: a page
 * costs well under a millisecond, and the answers change with the Host and the live page count.
 */

export interface DiscoveryContext {
  stats: DemoStats;
  /** The server's own base URL, for a request without a usable Host header. */
  origin: () => string;
  /** The site's live page count now (`POST /control/site?pages=`). */
  livePages: () => number;
  crawlDelaySeconds: number;
}

const TEXT_TYPE = 'text/plain; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';
const GZIP_TYPE = 'application/gzip';

function sitePageRepresentation(page: number, origin: string, pages: number): Representation {
  const served = sitePageFor(page, { origin, pages });
  return represent(served.html, HTML_TYPE, served.lastModified);
}

/** What a discovery route answers with, or undefined for a page that is not there (404). */
function representationFor(
  ctx: DiscoveryContext,
  match: RouteMatch,
  origin: string,
): Representation | undefined {
  const pages = ctx.livePages();
  switch (match.route) {
    case ROUTES.robots:
      return represent(
        robotsTxt(origin, { crawlDelaySeconds: ctx.crawlDelaySeconds }),
        TEXT_TYPE,
        SITE_EPOCH,
      );
    case ROUTES.sitemapIndex:
      return represent(sitemapIndexXml(origin), XML_TYPE, sitemapUpdatedAt('index', pages));
    case ROUTES.sitemapFirst:
      return represent(sitemapXml(origin, 'first', pages), XML_TYPE, sitemapUpdatedAt('first', pages));
    case ROUTES.sitemapSecond:
      return represent(sitemapGzip(origin, pages), GZIP_TYPE, sitemapUpdatedAt('second', pages));
    case ROUTES.atomFeed: {
      const options = feedOptionsFrom(match.query === '' ? undefined : new URLSearchParams(match.query));
      return represent(atomFeedXml(origin, options), ATOM_TYPE, feedUpdatedAt(feedFor(options).items));
    }
    case ROUTES.siteHome:
      return sitePageRepresentation(0, origin, pages);
    case ROUTES.sitePage: {
      const page = parseSitePage(match.id ?? '');
      if (page === undefined || !isLiveSitePage(page, pages)) return undefined;
      return sitePageRepresentation(page, origin, pages);
    }
    case ROUTES.sitePrivate: {
      const page = parseSitePage(match.id ?? '');
      if (page === undefined || !isLiveSitePage(page, pages)) return undefined;
      return represent(sitePrivatePageHtml(page), HTML_TYPE, SITE_EPOCH);
    }
    default:
      return undefined;
  }
}

export function serveDiscovery(
  ctx: DiscoveryContext,
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch,
): void {
  const { route } = match;
  const representation = representationFor(ctx, match, requestOrigin(req.headers.host, ctx.origin()));
  if (representation === undefined) {
    ctx.stats.responded(route, 404, 'none');
    sendJson(res, 404, { error: 'not found', path: match.target.split('?')[0] });
    return;
  }
  if (isNotModified(req.headers, representation)) {
    ctx.stats.responded(route, 304, 'none');
    const { 'content-type': _, 'content-length': __, ...headers } = representation.headers;
    res.writeHead(304, headers).end();
    return;
  }
  ctx.stats.responded(route, 200, 'none');
  res.writeHead(200, representation.headers).end(representation.body);
}
