import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { siteLastModified } from './site-page.ts';
import { sitemapGzip, sitemapIndexXml, sitemapPages, sitemapXml } from './sitemap.ts';

const origin = 'http://127.0.0.3:8080';
const parser = new XMLParser({
  ignoreAttributes: false,
  htmlEntities: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

/** Parses a sitemap document after checking it is well-formed XML. */
function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml);
}

function urlset(xml: string): { loc: string; lastmod: string }[] {
  const doc = parse(xml);
  expect(doc.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
  return doc.urlset.url ?? [];
}

describe('sitemapIndexXml', () => {
  it('names the two sitemaps, absolute, in the sitemaps.org namespace', () => {
    const doc = parse(sitemapIndexXml(origin));
    expect(doc.sitemapindex['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    expect(doc.sitemapindex.sitemap).toEqual([
      { loc: `${origin}/sitemaps/site-1.xml` },
      { loc: `${origin}/sitemaps/site-2.xml.gz` },
    ]);
  });
});

describe('sitemapXml', () => {
  it('lists the home and the first half of the pages in site-1, the rest in site-2', () => {
    expect(sitemapPages('first', 60)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(sitemapPages('second', 60)).toEqual(Array.from({ length: 30 }, (_, i) => 31 + i));
    expect(sitemapPages('first', 7)).toEqual([0, 1, 2, 3]);
    expect(sitemapPages('second', 7)).toEqual([4, 5, 6, 7]);
    expect(sitemapPages('first', 0)).toEqual([0]);
    expect(sitemapPages('second', 0)).toEqual([]);
  });

  it('gives every URL an absolute loc and the page’s Last-Modified as lastmod', () => {
    const urls = urlset(sitemapXml(origin, 'first', 60));
    expect(urls[0]).toEqual({ loc: `${origin}/site/`, lastmod: siteLastModified(0, 60) });
    expect(urls[5]).toEqual({ loc: `${origin}/site/pages/5`, lastmod: siteLastModified(5, 60) });
    expect(urls).toHaveLength(31);
  });

  it('writes a well-formed, empty urlset when a half has no pages', () => {
    expect(urlset(sitemapXml(origin, 'second', 0))).toEqual([]);
    expect(urlset(sitemapXml(origin, 'second', 1)).map((u) => u.loc)).toEqual([`${origin}/site/pages/1`]);
  });

  it('escapes the origin', () => {
    const [url] = urlset(sitemapXml('http://a.test/?x=1&y=<2>', 'first', 0));
    expect(url?.loc).toBe('http://a.test/?x=1&y=<2>/site/');
  });
});

describe('sitemapGzip', () => {
  it('is one gzip member holding the second urlset', () => {
    const gz = sitemapGzip(origin, 60);
    expect([...gz.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const xml = gunzipSync(gz).toString('utf8');
    expect(xml).toBe(sitemapXml(origin, 'second', 60));
    expect(urlset(xml).map((u) => u.loc)).toEqual(
      Array.from({ length: 30 }, (_, i) => `${origin}/site/pages/${31 + i}`),
    );
    expect(sitemapGzip(origin, 60).equals(gz)).toBe(true);
  });

  it('leaves out the pages a smaller live count removes, from both sitemaps', () => {
    const locs = [
      ...urlset(sitemapXml(origin, 'first', 9)),
      ...urlset(gunzipSync(sitemapGzip(origin, 9)).toString('utf8')),
    ].map((u) => u.loc);
    expect(locs).toEqual([
      `${origin}/site/`,
      ...Array.from({ length: 9 }, (_, i) => `${origin}/site/pages/${i + 1}`),
    ]);
  });
});
