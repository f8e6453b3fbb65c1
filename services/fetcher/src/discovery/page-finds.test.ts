import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type DiscoveringPage, pageFinds } from './page-finds.ts';

const MAX = { maxBytes: 1_000_000 };

function page(url: string, body: string | Buffer, extra: Partial<DiscoveringPage> = {}): DiscoveringPage {
  return {
    url,
    finalUrl: url,
    contentType: 'text/html; charset=utf-8',
    linkHeader: undefined,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    depth: 0,
    ...extra,
  };
}

const URLSET = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://s.example/a</loc><lastmod>2026-01-02</lastmod></url>
  <url><loc>https://s.example/b#part</loc></url>
  <url><loc>https://elsewhere.example/c</loc></url>
</urlset>`;

describe('pageFinds', () => {
  it('reads a sitemap (gzip too): its pages with their lastmod, on its site only, fragments stripped', () => {
    for (const body of [Buffer.from(URLSET), gzipSync(URLSET)]) {
      const finds = pageFinds({ kind: 'sitemap' }, page('https://s.example/sitemap.xml', body), MAX);
      expect(finds).toEqual({
        ingest: false,
        found: [
          { url: 'https://s.example/a', discovers: false, hop: 1, meta: { lastmod: '2026-01-02' } },
          { url: 'https://s.example/b', discovers: false, hop: 1 },
        ],
      });
    }
    const anySite = pageFinds(
      { kind: 'sitemap', sameSite: false },
      page('https://s.example/sitemap.xml', URLSET),
      MAX,
    );
    expect(anySite.found.map((found) => found.url)).toContain('https://elsewhere.example/c');
  });

  it('follows a sitemap index to its sitemaps, and a robots.txt to the sitemaps it names', () => {
    const index = `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://s.example/one.xml</loc></sitemap><sitemap><loc>https://s.example/two.xml.gz</loc></sitemap>
    </sitemapindex>`;
    expect(pageFinds({ kind: 'sitemap' }, page('https://s.example/sitemap.xml', index), MAX).found).toEqual([
      { url: 'https://s.example/one.xml', discovers: true, hop: 1 },
      { url: 'https://s.example/two.xml.gz', discovers: true, hop: 1 },
    ]);
    const robots = 'User-agent: *\nDisallow: /private/\nSitemap: https://s.example/sitemap.xml\n';
    expect(pageFinds({ kind: 'sitemap' }, page('https://s.example/robots.txt', robots), MAX).found).toEqual([
      { url: 'https://s.example/sitemap.xml', discovers: true, hop: 1 },
    ]);
  });

  it("reads a JSON API page's items and its next page, from the body or else the Link header", () => {
    const body = JSON.stringify({ data: { rows: [{ href: '/r/1' }, { href: '/r/2' }, { other: 1 }] } });
    const options = { kind: 'api', itemsPath: 'data.rows', itemUrlPath: 'href' } as const;
    const finds = pageFinds(
      options,
      page('https://api.example/list?page=1', body, {
        linkHeader: '<https://api.example/list?page=2>; rel="next"',
      }),
      MAX,
    );
    expect(finds.found).toEqual([
      { url: 'https://api.example/r/1', discovers: false, hop: 1 },
      { url: 'https://api.example/r/2', discovers: false, hop: 1 },
      { url: 'https://api.example/list?page=2', discovers: true, hop: 1 },
    ]);
    expect(finds.ingest).toBe(false);
    expect(pageFinds({ ...options, ingest: true }, page('https://api.example/list', body), MAX).ingest).toBe(
      true,
    );
  });

  it("reads an Atom feed's entries and its next page", () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="next" href="/feed.atom?page=2"/>
      <entry><id>1</id><link href="https://f.example/records/1"/></entry>
      <entry><id>2</id><link href="/records/2"/></entry></feed>`;
    expect(pageFinds({ kind: 'feed' }, page('https://f.example/feed.atom', atom), MAX).found).toEqual([
      { url: 'https://f.example/records/1', discovers: false, hop: 1 },
      { url: 'https://f.example/records/2', discovers: false, hop: 1 },
      { url: 'https://f.example/feed.atom?page=2', discovers: true, hop: 1 },
    ]);
  });

  it("crawls a page's links on its site, within include / exclude, not past the depth, and ingests the page", () => {
    const html = `<html><body><a href="/docs/a">a</a><a href="/docs/b#x">b</a><a href="/blog/c">c</a>
      <a href="https://other.example/d">d</a><a href="/docs/">self</a><a href="mailto:x@y">m</a></body></html>`;
    const root = page('https://c.example/docs/', html);
    expect(pageFinds({ kind: 'crawl' }, root, MAX)).toEqual({
      ingest: true,
      found: ['/docs/a', '/docs/b', '/blog/c'].map((path) => ({
        url: `https://c.example${path}`,
        discovers: true,
        hop: 1,
      })),
    });
    const onlyDocs = pageFinds({ kind: 'crawl', include: ['/docs/'], exclude: ['/b$'] }, root, MAX);
    expect(onlyDocs.found.map((found) => found.url)).toEqual(['https://c.example/docs/a']);
    expect(pageFinds({ kind: 'crawl', maxDepth: 1 }, { ...root, depth: 1 }, MAX)).toEqual({
      ingest: true,
      found: [],
    });
  });

  it('stores a duplicate page once: its canonical page is found instead of it being ingested', () => {
    const html = `<html><head><link rel="canonical" href="https://c.example/docs/a"></head>
      <body><a href="/docs/z">z</a></body></html>`;
    const duplicate = page('https://c.example/docs/a?ref=dup', html, { depth: 2 });
    expect(pageFinds({ kind: 'crawl' }, duplicate, MAX)).toEqual({
      ingest: false,
      found: [{ url: 'https://c.example/docs/a', discovers: true, hop: 0 }],
    });
    const itself = page('https://c.example/docs/a', html);
    expect(pageFinds({ kind: 'crawl' }, itself, MAX).ingest).toBe(true);
  });

  it('says what is wrong with a body that is not the document asked for', () => {
    expect(() =>
      pageFinds({ kind: 'sitemap' }, page('https://s.example/sitemap.xml', '<html></html>'), MAX),
    ).toThrow(/sitemap/);
    expect(() => pageFinds({ kind: 'api' }, page('https://a.example/x', '{"rows": []}'), MAX)).toThrow(
      /items/,
    );
  });
});
