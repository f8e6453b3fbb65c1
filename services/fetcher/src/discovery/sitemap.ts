import { gunzipSync } from 'node:zlib';
import { CorruptedResponseError } from '../errors.ts';
import { DocumentTooLargeError, UnexpectedDocumentError } from './errors.ts';
import { documentUrl, resolveFoundUrl } from './found-url.ts';
import { parseXmlRoot, type XmlElement } from './xml-document.ts';

/** A sitemap (sitemaps.org protocol): the pages of a `<urlset>`, or the sitemaps of a `<sitemapindex>`. */

export interface SitemapOptions {
  /** The most bytes read, counted after decompression (the protocol allows 50 MB uncompressed). */
  maxBytes: number;
}

export interface SitemapPage {
  url: string;
  /** As written (W3C datetime, `2024-05-01` or `2024-05-01T10:00:00+00:00`). */
  lastmod?: string;
}

export interface Sitemap {
  pages: SitemapPage[];
  sitemaps: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

function isGzip(body: Uint8Array): boolean {
  return body[0] === GZIP_MAGIC[0] && body[1] === GZIP_MAGIC[1];
}

/**
 * The sitemap's bytes, inflated when they are gzip. Sitemaps are served as `.xml.gz` under any content type
 * (`application/octet-stream`, `application/x-gzip`, even `text/xml`), so the magic bytes decide, not the
 * header. The bound applies to what comes out: a small gzip body can inflate to gigabytes.
 */
function sitemapBytes(body: Uint8Array, maxBytes: number, from: string): Uint8Array {
  if (!isGzip(body)) {
    if (body.byteLength > maxBytes) throw new DocumentTooLargeError(`sitemap ${from}`, maxBytes);
    return body;
  }
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DocumentTooLargeError(`sitemap ${from} once decompressed`, maxBytes);
    }
    throw new CorruptedResponseError(
      `sitemap ${from} starts with the gzip magic bytes but does not inflate: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The `<loc>` of each element, resolved; entries without a usable one are dropped. */
function locations<T>(entries: XmlElement[], base: URL, build: (url: string, entry: XmlElement) => T): T[] {
  const out: T[] = [];
  for (const entry of entries) {
    const loc = entry.children('loc')[0]?.text();
    const url = loc === undefined ? undefined : resolveFoundUrl(loc, base);
    if (url !== undefined) out.push(build(url, entry));
  }
  return out;
}

/**
 * The sitemap fetched from `baseUrl`. Its `<loc>`s should be absolute; relative ones are resolved against
 * `baseUrl` all the same, and those that are not http(s) are dropped. Throws DocumentTooLargeError over
 * `maxBytes`, CorruptedResponseError for gzip that does not inflate, and UnexpectedDocumentError for a body
 * that is not a sitemap.
 */
export function parseSitemap(body: Uint8Array, baseUrl: string | URL, options: SitemapOptions): Sitemap {
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  }
  const base = documentUrl(baseUrl);
  const from = `from ${base.href}`;
  // The protocol requires UTF-8; TextDecoder drops a byte order mark.
  const text = new TextDecoder().decode(sitemapBytes(body, maxBytes, from));
  const root = parseXmlRoot(text, `sitemap ${from}`);

  if (root?.name === 'urlset') {
    const pages = locations(root.children('url'), base, (url, entry) => {
      const lastmod = entry.children('lastmod')[0]?.text();
      return lastmod === undefined || lastmod === '' ? { url } : { url, lastmod };
    });
    return { pages, sitemaps: [] };
  }
  if (root?.name === 'sitemapindex') {
    return { pages: [], sitemaps: locations(root.children('sitemap'), base, (url) => url) };
  }
  throw new UnexpectedDocumentError(
    `body ${from} is not a sitemap: ${root === undefined ? 'it holds no XML element' : `its root element is <${root.name}>`}, expected <urlset> or <sitemapindex>`,
  );
}
