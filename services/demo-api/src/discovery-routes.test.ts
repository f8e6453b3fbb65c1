import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { atomFeedXml } from './atom-feed.ts';
import { crawlUrls, siteSitemapPageUrls } from './discovery-expectations.ts';
import { feedFor } from './feed.ts';
import { robotsTxt } from './robots.ts';
import { createDemoApi, type DemoApi } from './server.ts';
import { sitePageFor } from './site-page.ts';
import { sitemapIndexXml, sitemapXml } from './sitemap.ts';

let api: DemoApi;
let base: string;
const agent = new Agent({ keepAliveTimeout: 10_000 });
/** The site the requests play: one API answers for any Host, and writes its absolute URLs from it. */
const HOST = 'site.test:8080';
const origin = `http://${HOST}`;

async function fetchPath(
  path: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' | 'POST' = 'GET',
) {
  const res = await request(`${base}${path}`, {
    method,
    headers: { host: HOST, ...headers },
    dispatcher: agent,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') };
}

beforeAll(async () => {
  api = createDemoApi({ port: 0, sitePages: 20, crawlDelaySeconds: 0.25 });
  base = (await api.start()).url;
});

afterAll(async () => {
  await agent.close();
  await api.close();
});

beforeEach(() => {
  api.stats.reset();
});

afterEach(() => {
  api.setLiveSitePages(undefined);
});

describe('robots.txt and sitemaps', () => {
  it('serves robots.txt for the Host asked, with the configured crawl delay', async () => {
    const res = await fetchPath('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(robotsTxt(origin, { crawlDelaySeconds: 0.25 }));
    expect(res.text).toContain(`Sitemap: ${origin}/sitemap.xml\n`);
  });

  it('serves the sitemap index, the plain sitemap and the gzip one as a file, not a Content-Encoding', async () => {
    const index = await fetchPath('/sitemap.xml');
    expect(index.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(index.text).toBe(sitemapIndexXml(origin));
    expect((await fetchPath('/sitemaps/site-1.xml')).text).toBe(sitemapXml(origin, 'first', 20));
    const gz = await fetchPath('/sitemaps/site-2.xml.gz', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-type']).toBe('application/gzip');
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(gz.body).toString('utf8')).toBe(sitemapXml(origin, 'second', 20));
  });
});

describe('the site', () => {
  it('serves the home and each page as sitePageFor(n).html, and 404 past the last page', async () => {
    const home = await fetchPath('/site/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.text).toBe(sitePageFor(0, { origin, pages: 20 }).html);
    expect((await fetchPath('/site/pages/20')).text).toBe(sitePageFor(20, { origin, pages: 20 }).html);
    for (const path of ['/site/pages/21', '/site/pages/0', '/site/pages/07', '/site/private/21']) {
      expect((await fetchPath(path)).status).toBe(404);
    }
  });

  it('answers a page with a query string as the page itself, its canonical link included', async () => {
    const plain = await fetchPath('/site/pages/5');
    const duplicate = await fetchPath('/site/pages/5?ref=dup');
    expect(duplicate.text).toBe(plain.text);
    expect(duplicate.text).toContain(`<link rel="canonical" href="${origin}/site/pages/5">`);
    expect(duplicate.headers.etag).toBe(plain.headers.etag);
  });

  it('answers 304 to If-None-Match and If-Modified-Since, as content does', async () => {
    const first = await fetchPath('/site/pages/3');
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect(lastModified).toBe(new Date(sitePageFor(3, { origin, pages: 20 }).lastModified).toUTCString());
    const byTag = await fetchPath('/site/pages/3', { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.text).toBe('');
    expect(byTag.headers.etag).toBe(etag);
    expect((await fetchPath('/site/pages/3', { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await fetchPath('/sitemap.xml', { 'if-none-match': etag })).status).toBe(200);
  });

  it('serves a private page, counted under its own route pattern', async () => {
    const res = await fetchPath('/site/private/4');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Staff notes 4</title>');
    await fetchPath('/site/pages/4');
    await fetchPath('/site/pages/4', {}, 'HEAD');
    expect(api.stats.snapshot().responses).toEqual({
      '/site/private/:id': { 200: 1 },
      '/site/pages/:id': { 200: 2 },
    });
  });

  it('refuses other methods than GET and HEAD', async () => {
    const res = await fetchPath('/site/pages/1', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('POST /control/site', () => {
  it('takes pages away: they answer 404, and the sitemaps and links leave them out, until reset', async () => {
    const before = await fetchPath('/site/pages/2');
    const set = await fetchPath('/control/site?pages=6', {}, 'POST');
    expect(set.status).toBe(200);
    expect(JSON.parse(set.text)).toEqual({ pages: 6, sitePages: 20 });
    expect(api.liveSitePages).toBe(6);

    expect((await fetchPath('/site/pages/7')).status).toBe(404);
    expect((await fetchPath('/site/pages/6')).status).toBe(200);
    const first = await fetchPath('/sitemaps/site-1.xml');
    const second = await fetchPath('/sitemaps/site-2.xml.gz');
    expect(first.text + gunzipSync(second.body).toString('utf8')).toBe(
      sitemapXml(origin, 'first', 6) + sitemapXml(origin, 'second', 6),
    );
    expect(siteSitemapPageUrls(origin, 6)).toHaveLength(7);
    // Page 2's children 7–9 are gone: new bytes, a new ETag, a later date.
    const after = await fetchPath('/site/pages/2', { 'if-none-match': String(before.headers.etag) });
    expect(after.status).toBe(200);
    expect(after.text).toBe(sitePageFor(2, { origin, pages: 6 }).html);
    expect(after.text).not.toContain('/site/pages/7"');
    expect(Date.parse(String(after.headers['last-modified']))).toBeGreaterThan(
      Date.parse(String(before.headers['last-modified'])),
    );
    expect(crawlUrls(origin, { maxDepth: 5, pages: 6 })).toHaveLength(7);

    const reset = await fetchPath('/control/site', {}, 'POST');
    expect(JSON.parse(reset.text)).toEqual({ pages: 20, sitePages: 20 });
    expect((await fetchPath('/site/pages/7')).status).toBe(200);
    expect((await fetchPath('/site/pages/2')).text).toBe(before.text);
  });

  it('refuses a count above the configured pages, in process or over HTTP', async () => {
    const res = await fetchPath('/control/site?pages=21', {}, 'POST');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ parameter: 'pages' });
    expect(() => api.setLiveSitePages(21)).toThrow(RangeError);
    expect(api.liveSitePages).toBe(20);
  });
});

describe('feeds', () => {
  it('adds an absolute Link to the next JSON feed page, from the Host, and keeps the JSON as it was', async () => {
    const res = await fetchPath('/feed?page=2&pageSize=3&total=7');
    expect(res.headers.link).toBe(`<${origin}/feed?page=3&pageSize=3&total=7>; rel="next"`);
    expect(JSON.parse(res.text)).toEqual(feedFor({ page: 2, pageSize: 3, total: 7 }));
    expect((await fetchPath('/feed?page=3&pageSize=3&total=7')).headers.link).toBeUndefined();
    // A fault that still sends the content keeps the header.
    expect((await fetchPath('/feed?drip=1&dripBytes=4096')).headers.link).toBe(
      `<${origin}/feed?page=2>; rel="next"`,
    );
  });

  it('serves the Atom feed, paged like the JSON feed', async () => {
    const res = await fetchPath('/feed.atom?page=2&pageSize=3&total=7');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(res.text).toBe(atomFeedXml(origin, { page: 2, pageSize: 3, total: 7 }));
    expect(res.text).toContain(
      `<link rel="next" href="${origin}/feed.atom?page=3&#38;pageSize=3&#38;total=7"/>`,
    );
    expect((await fetchPath('/feed.atom?pageSize=0')).status).toBe(400);
    expect(api.stats.snapshot().requests).toEqual({ '/feed.atom': 2 });
  });
});
