import { gzipSync } from 'node:zlib';
// escapeHtml writes numeric character references (`&#38;`), which XML reads the same way.
import { escapeHtml } from './page-html.ts';
import { checkSitePages, sitePagePath } from './site-links.ts';
import { SITE_EPOCH, siteLastModified } from './site-page.ts';

/**
 * The sitemaps of the discovery site (sitemaps.org protocol 0.9), as pure functions of the origin and the live
 * page count. `/sitemap.xml` is an index naming two sitemaps: `/sitemaps/site-1.xml`, a plain urlset, and
 * `/sitemaps/site-2.xml.gz`, a gzip file (served as `application/gzip`, not as a Content-Encoding), so that a
 * discoverer proves it reads both. The site's URLs (the home, then pages 1..pages) are split in two halves, the
 * first one the larger when the count is odd: site-1 lists the home and pages 1..⌊pages/2⌋, site-2 the rest.
 * Every `<url>` has an absolute `<loc>` and the page's `<lastmod>`, its Last-Modified.
 */

export const SITEMAP_PATHS = {
  index: '/sitemap.xml',
  first: '/sitemaps/site-1.xml',
  second: '/sitemaps/site-2.xml.gz',
} as const;

export type SitemapPart = 'first' | 'second';

const NAMESPACE = 'http://www.sitemaps.org/schemas/sitemap/0.9';

/** The site pages a sitemap lists, in order (0 is the home). */
export function sitemapPages(part: SitemapPart, pages: number): number[] {
  checkSitePages(pages);
  const half = Math.floor(pages / 2);
  const [from, to] = part === 'first' ? [0, half] : [half + 1, pages];
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** `/sitemap.xml`: the index of the two sitemaps, absolute. */
export function sitemapIndexXml(origin: string): string {
  const entries = [SITEMAP_PATHS.first, SITEMAP_PATHS.second]
    .map((path) => `<sitemap><loc>${escapeHtml(`${origin}${path}`)}</loc></sitemap>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="${NAMESPACE}">
${entries}
</sitemapindex>
`;
}

/** The urlset of one sitemap, uncompressed: `/sitemaps/site-1.xml`, or what `site-2.xml.gz` holds. */
export function sitemapXml(origin: string, part: SitemapPart, pages: number): string {
  const entries = sitemapPages(part, pages)
    .map(
      (page) =>
        `<url><loc>${escapeHtml(`${origin}${sitePagePath(page)}`)}</loc><lastmod>${siteLastModified(page, pages)}</lastmod></url>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="${NAMESPACE}">
${entries === '' ? '' : `${entries}\n`}</urlset>
`;
}

/** `/sitemaps/site-2.xml.gz`: the second urlset, one gzip member. */
export function sitemapGzip(origin: string, pages: number): Buffer {
  return gzipSync(sitemapXml(origin, 'second', pages));
}

/** When a sitemap last changed: its newest `<lastmod>`, or the start of the content's time when it is empty. */
export function sitemapUpdatedAt(part: SitemapPart | 'index', pages: number): string {
  const listed =
    part === 'index'
      ? sitemapPages('first', pages).concat(sitemapPages('second', pages))
      : sitemapPages(part, pages);
  let latest = SITE_EPOCH;
  for (const page of listed) {
    const lastModified = siteLastModified(page, pages);
    if (lastModified > latest) latest = lastModified;
  }
  return latest;
}
