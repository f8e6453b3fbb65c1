import { articleFor, articleMetaFor } from './article.ts';
import { escapeHtml } from './page-html.ts';
import {
  checkSitePages,
  isLiveSitePage,
  type SiteLink,
  siteChildren,
  siteLinks,
  sitePagePath,
} from './site-links.ts';

/**
 * The HTML of the discovery site's pages, computable without the server: `/site/` and `/site/pages/n` answer
 * `sitePageFor(n, { origin, pages }).html`, whatever query string the request carries. Unlike `/pages/:id` the
 * page is lean: the only links are those of `siteLinks()`, so what a crawler finds is exactly what the tests
 * expect, and the article text is a few hundred words, enough for a transformer to make several chunks.
 */

export interface SitePageOptions {
  /** Scheme, host and port of the site, for the canonical link: `http://127.0.0.1:8080`. */
  origin: string;
  /** How many pages are live (`POST /control/site?pages=`); links to later pages are left out. */
  pages: number;
}

export interface DemoSitePage {
  /** 0 for the home. */
  page: number;
  path: string;
  /** The absolute URL of `<link rel="canonical">`: the page's own plain URL. */
  canonical: string;
  title: string;
  /** The text content of each <p> of the article, in order. */
  paragraphs: string[];
  links: SiteLink[];
  /** ISO 8601, whole seconds: the Last-Modified of the page and its `<lastmod>` in the sitemaps. */
  lastModified: string;
  /** The whole page, byte for byte what the site serves. */
  html: string;
}

const DAY_MS = 86_400_000;

/**
 * When page n last changed. The article's date, moved a day later for each of its three child links the live
 * page count leaves out: the page's bytes change when the site shrinks, and so its date moves forward, so that
 * a client revalidating with If-Modified-Since alone gets the page again rather than a 304. Growing the site
 * back moves the date back: only If-None-Match (the ETag follows the bytes) is right in both directions.
 */
export function siteLastModified(page: number, pages: number): string {
  const published = Date.parse(articleMetaFor('site', String(page)).publishedAt);
  const missing = 3 - siteChildren(page, pages).length;
  return new Date(published + missing * DAY_MS).toISOString().replace('.000Z', 'Z');
}

function siteTitle(page: number): string {
  return articleMetaFor('site', String(page)).title;
}

/** The text of each link, for a page that reads like one; never part of what a test compares. */
function linkText(link: SiteLink): string {
  switch (link.kind) {
    case 'home':
      return 'Home';
    case 'parent':
      return 'Up one level';
    case 'child':
    case 'duplicate':
      return escapeHtml(siteTitle(link.page ?? 0));
    case 'private':
      return 'Staff notes';
    case 'external':
      return 'Elsewhere';
    case 'fragment':
      return 'Back to top';
  }
}

function linkItems(links: readonly SiteLink[], kinds: readonly SiteLink['kind'][]): string {
  return links
    .filter((link) => kinds.includes(link.kind))
    .map((link) => `<li><a href="${escapeHtml(link.href)}">${linkText(link)}</a></li>`)
    .join('\n');
}

/** Page n of the site (0 is the home). Throws RangeError for a page that is not live. */
export function sitePageFor(page: number, options: SitePageOptions): DemoSitePage {
  checkSitePages(options.pages);
  if (!isLiveSitePage(page, options.pages)) {
    throw new RangeError(`page must be an integer 0..${options.pages} (the live pages), got ${page}`);
  }
  const article = articleFor('site', String(page));
  const path = sitePagePath(page);
  const canonical = `${options.origin}${path}`;
  const links = siteLinks(page, options.pages);
  const title = escapeHtml(article.title);
  const fragment = links.find((link) => link.kind === 'fragment');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="canonical" href="${escapeHtml(canonical)}">
<meta name="description" content="${escapeHtml(article.paragraphs[0]?.split('. ')[0] ?? article.title)}">
</head>
<body>
<header id="top"><nav aria-label="Site"><ul>
${linkItems(links, ['home', 'parent'])}
</ul></nav></header>
<main>
<article>
<h1>${title}</h1>
<p class="byline">By ${escapeHtml(article.author.name)} · <time datetime="${article.publishedAt}">${article.publishedAt.slice(0, 10)}</time></p>
${article.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')}
</article>
<section class="further-reading"><h2>Further reading</h2><ul>
${linkItems(links, ['child', 'duplicate'])}
</ul></section>
<aside><ul>
${linkItems(links, ['private', 'external'])}
</ul></aside>
</main>
<footer>${fragment === undefined ? '' : `<a href="${fragment.href}">${linkText(fragment)}</a>`}</footer>
</body>
</html>
`;
  return {
    page,
    path,
    canonical,
    title: article.title,
    paragraphs: article.paragraphs,
    links,
    lastModified: siteLastModified(page, options.pages),
    html,
  };
}

/** The Last-Modified of what never changes: robots.txt, the private pages, an empty sitemap. */
export const SITE_EPOCH = '2020-01-01T00:00:00Z';

/** What `/site/private/n` answers: a page crawlers that honour robots.txt never see. No links. */
export function sitePrivatePageHtml(page: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Staff notes ${page}</title>
<meta name="robots" content="noindex">
</head>
<body>
<h1>Staff notes ${page}</h1>
<p>Robots.txt disallows this page. A request for it means a crawler did not honour robots.txt.</p>
</body>
</html>
`;
}
