import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptedResponseError } from '../errors.ts';
import { DocumentTooLargeError, UnexpectedDocumentError } from './errors.ts';
import { parseSitemap } from './sitemap.ts';

const BASE = 'https://site.example/sitemap.xml';
const LIMIT = { maxBytes: 1_000_000 };
const bytes = (text: string) => new TextEncoder().encode(text);

const URLSET = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>
      https://site.example/a?x=1&amp;y=2
    </loc>
    <lastmod> 2024-05-01T10:00:00+00:00 </lastmod>
    <image:image><image:loc>https://cdn.example/a.png</image:loc></image:image>
  </url>
  <url><loc><![CDATA[https://site.example/b]]></loc></url>
  <url><loc>ftp://site.example/c</loc></url>
  <url><loc>   </loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
  <url><loc>/relative</loc></url>
</urlset>`;

const PAGES = [
  { url: 'https://site.example/a?x=1&y=2', lastmod: '2024-05-01T10:00:00+00:00' },
  { url: 'https://site.example/b' },
  { url: 'https://site.example/relative' },
];

describe('parseSitemap', () => {
  it('reads the pages of a urlset, trimming locs and dropping those that are not http(s)', () => {
    expect(parseSitemap(bytes(URLSET), BASE, LIMIT)).toEqual({ pages: PAGES, sitemaps: [] });
  });

  it('reads the sitemaps of a sitemap index', () => {
    const index = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://site.example/s1.xml.gz</loc><lastmod>2024-05-01</lastmod></sitemap>
      <sitemap><loc> https://site.example/s2.xml </loc></sitemap>
    </sitemapindex>`;
    expect(parseSitemap(bytes(index), BASE, LIMIT)).toEqual({
      pages: [],
      sitemaps: ['https://site.example/s1.xml.gz', 'https://site.example/s2.xml'],
    });
  });

  it('reads a sitemap written with a namespace prefix', () => {
    const prefixed = `<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sm:url><sm:loc>https://site.example/p</sm:loc><sm:lastmod>2024-02-02</sm:lastmod></sm:url>
    </sm:urlset>`;
    expect(parseSitemap(bytes(prefixed), BASE, LIMIT).pages).toEqual([
      { url: 'https://site.example/p', lastmod: '2024-02-02' },
    ]);
  });

  it('reads a sitemap with a byte order mark and one without an XML declaration', () => {
    const body = `\uFEFF<urlset><url><loc>https://site.example/bom</loc></url></urlset>`;
    expect(parseSitemap(bytes(body), BASE, LIMIT).pages).toEqual([{ url: 'https://site.example/bom' }]);
  });

  it('inflates a gzip body, whatever it was served as', () => {
    expect(parseSitemap(gzipSync(URLSET), BASE, LIMIT)).toEqual({ pages: PAGES, sitemaps: [] });
  });

  it('bounds the size after decompression, naming the limit', () => {
    const body = gzipSync(URLSET);
    const maxBytes = URLSET.length - 1;
    expect(body.byteLength).toBeLessThan(maxBytes);
    expect(() => parseSitemap(body, BASE, { maxBytes })).toThrow(DocumentTooLargeError);
    expect(() => parseSitemap(body, BASE, { maxBytes })).toThrow(
      `sitemap from ${BASE} once decompressed exceeds the limit of ${maxBytes} bytes`,
    );
    expect(parseSitemap(body, BASE, { maxBytes: Buffer.byteLength(URLSET) }).pages).toEqual(PAGES);
  });

  it('bounds the size of a plain body too', () => {
    expect(() => parseSitemap(bytes(URLSET), BASE, { maxBytes: 100 })).toThrow(
      `sitemap from ${BASE} exceeds the limit of 100 bytes`,
    );
  });

  it('throws CorruptedResponseError for gzip that does not inflate', () => {
    const truncated = gzipSync(URLSET).subarray(0, 30);
    expect(() => parseSitemap(truncated, BASE, LIMIT)).toThrow(CorruptedResponseError);
    expect(() => parseSitemap(truncated, BASE, LIMIT)).toThrow(
      'starts with the gzip magic bytes but does not inflate',
    );
  });

  it.each([
    ['an HTML page', '<!doctype html><html><body>Not found</body></html>', 'its root element is <html>'],
    ['a feed', '<rss version="2.0"><channel></channel></rss>', 'its root element is <rss>'],
    ['JSON', '{"urls":[]}', 'it holds no XML element'],
    ['an empty body', '', 'it holds no XML element'],
  ])('throws UnexpectedDocumentError for %s', (_what, body, why) => {
    expect(() => parseSitemap(bytes(body), BASE, LIMIT)).toThrow(UnexpectedDocumentError);
    expect(() => parseSitemap(bytes(body), BASE, LIMIT)).toThrow(
      `body from ${BASE} is not a sitemap: ${why}, expected <urlset> or <sitemapindex>`,
    );
  });

  it('reads an empty urlset as no pages', () => {
    expect(parseSitemap(bytes('<urlset/>'), BASE, LIMIT)).toEqual({ pages: [], sitemaps: [] });
  });

  it('refuses a maxBytes that is not a positive integer', () => {
    expect(() => parseSitemap(bytes(URLSET), BASE, { maxBytes: 0 })).toThrow(
      'maxBytes must be a positive integer, got 0',
    );
  });
});
