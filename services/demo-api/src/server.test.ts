import { Agent, request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { pageFor, recordFor } from './content.ts';
import { feedFor } from './feed.ts';
import { createDemoApi, type DemoApi } from './server.ts';

let api: DemoApi;
let base: string;
const agent = new Agent({ keepAliveTimeout: 10_000 });

function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  return request(`${base}${path}`, { method, headers, dispatcher: agent });
}

async function getText(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

beforeAll(async () => {
  api = createDemoApi({ port: 0 });
  base = (await api.start()).url;
});

afterAll(async () => {
  await agent.close();
  await api.close();
});

beforeEach(() => {
  api.stats.reset();
});

describe('content', () => {
  it('serves each record as JSON.stringify(recordFor(id)), with validators', async () => {
    const res = await getText('/records/42');
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(recordFor(42)));
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers['last-modified']).toBe(new Date(recordFor(42).updatedAt).toUTCString());
    expect(res.headers.connection).toBe('keep-alive');
  });

  it('serves each page as pageFor(id).html', async () => {
    const res = await getText('/pages/slug-7?paragraphs=12&version=2');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toBe(pageFor('slug-7', { paragraphs: 12, version: 2 }).html);
  });

  it('serves the feed page by page', async () => {
    const res = await getText('/feed?page=3&pageSize=10');
    expect(JSON.parse(res.text)).toEqual(feedFor({ page: 3, pageSize: 10 }));
  });

  it('lists absolute URLs to enqueue, with parameters for each', async () => {
    const json = await getText('/urls?count=3&start=10&params=latency%3D300');
    expect(JSON.parse(json.text)).toEqual({
      count: 3,
      urls: [10, 11, 12].map((id) => `${base}/records/${id}?latency=300`),
    });
    const text = await getText('/urls?count=2&kind=pages&format=text');
    expect(text.text).toBe(`${base}/pages/1\n${base}/pages/2\n`);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await get('/records/3', {}, 'HEAD');
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(recordFor(3))));
    expect(await res.body.text()).toBe('');
  });

  it('answers 404 for unknown paths and ids it cannot take, 405 for other methods, 400 for bad parameters', async () => {
    expect((await getText('/nothing')).status).toBe(404);
    expect((await getText('/records/a%2Fb')).status).toBe(404);
    const post = await get('/records/1', {}, 'POST');
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    await post.body.dump();
    const bad = await getText('/records/1?latency=soon');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ parameter: 'latency' });
  });
});

describe('conditional requests', () => {
  it('answers 304 without a body to a matching If-None-Match or a recent If-Modified-Since', async () => {
    const first = await getText('/records/8');
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    const byTag = await getText('/records/8', { 'if-none-match': etag });
    expect(byTag.status).toBe(304);
    expect(byTag.text).toBe('');
    expect(byTag.headers.etag).toBe(etag);
    const byDate = await getText('/records/8', { 'if-modified-since': lastModified });
    expect(byDate.status).toBe(304);
    const older = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await getText('/records/8', { 'if-modified-since': older })).status).toBe(200);
    expect(
      (await getText('/records/8', { 'if-none-match': '"stale"', 'if-modified-since': lastModified })).status,
    ).toBe(200);
    expect(api.stats.snapshot().responses['/records/:id']).toEqual({ 200: 3, 304: 2 });
  });

  it('answers 200 with a new ETag when the version changes', async () => {
    const v1 = await getText('/pages/5');
    const v2 = await getText('/pages/5?version=2', { 'if-none-match': String(v1.headers.etag) });
    expect(v2.status).toBe(200);
    expect(v2.headers.etag).not.toBe(v1.headers.etag);
    expect(Date.parse(String(v2.headers['last-modified']))).toBeGreaterThan(
      Date.parse(String(v1.headers['last-modified'])),
    );
  });

  it('changes what the same URL serves after revise(), in process or over HTTP', async () => {
    const before = await getText('/pages/77');
    api.revise('/pages/77', { version: 2, paragraphs: 4 });
    const after = await getText('/pages/77', { 'if-none-match': String(before.headers.etag) });
    expect(after.status).toBe(200);
    expect(after.text).toBe(pageFor(77, { version: 2, paragraphs: 4 }).html);

    const revised = await get('/control/revise?path=%2Frecords%2F77&paragraphs=1', {}, 'POST');
    expect(revised.statusCode).toBe(200);
    await revised.body.dump();
    expect((await getText('/records/77')).text).toBe(JSON.stringify(recordFor(77, { paragraphs: 1 })));

    api.revise('/pages/77', {});
    expect((await getText('/pages/77')).text).toBe(before.text);
    api.revise('/records/77', {});
  });
});

describe('stats and metrics', () => {
  it('counts requests by route pattern, status and fault, and resets', async () => {
    await getText('/records/1');
    await getText('/records/2');
    await getText('/pages/1');
    await getText('/records/3?status=404');
    await getText('/feed?failFirst=1');
    const res = await getText('/stats');
    const stats = JSON.parse(res.text);
    expect(stats).toMatchObject({
      requests: { '/records/:id': 3, '/pages/:id': 1, '/feed': 1 },
      byStatus: { 200: 3, 404: 1, 500: 1 },
      byFault: { none: 3, status: 1, 'fail-first': 1 },
      responses: { '/records/:id': { 200: 2, 404: 1 }, '/pages/:id': { 200: 1 }, '/feed': { 500: 1 } },
      inFlight: 0,
      total: 5,
    });
    expect(Object.keys(stats.requests)).not.toContain('/stats');
    const reset = await get('/stats/reset', {}, 'POST');
    expect(reset.statusCode).toBe(204);
    await reset.body.dump();
    expect(api.stats.snapshot()).toEqual({
      requests: {},
      byStatus: {},
      byFault: {},
      responses: {},
      inFlight: 0,
      total: 0,
      bodyBytes: 0,
      byHost: {},
      embeddings: {
        requests: 0,
        inputs: 0,
        tokens: 0,
        maxInputsPerRequest: 0,
        maxTokensPerRequest: 0,
        byStatus: {},
        peakRequestsPerSecond: 0,
        peakTokensPerSecond: 0,
      },
    });
  });

  it('reports what each Host header saw: requests, in flight now, peak in flight and peak per second', async () => {
    const held = createDemoApi({ port: 0, defaults: { latencyMs: 60_000 } });
    const { url } = await held.start();
    const send = (host: string) =>
      request(`${url}/records/1`, { headers: { host }, dispatcher: agent }).then(
        () => 'answered',
        () => 'failed',
      );
    try {
      const pending = [
        ...['A.Test:8080', 'a.test:8080', 'a.test:8080'].map(send),
        ...['b.test', 'b.test'].map(send),
      ];
      await waitFor(() => held.stats.snapshot().inFlight === 5, {
        timeoutMs: 5_000,
        what: 'all five requests to arrive',
      });
      const res = await request(`${url}/stats`, { dispatcher: agent });
      const { byHost } = (await res.body.json()) as { byHost: Record<string, unknown> };
      // Lower-cased, one entry per host, and the /stats request itself (host 127.0.0.1:port) left out.
      expect(byHost).toEqual({
        'a.test:8080': { requests: 3, inFlight: 3, peakInFlight: 3, peakPerSecond: 3 },
        'b.test': { requests: 2, inFlight: 2, peakInFlight: 2, peakPerSecond: 2 },
      });
      await held.close();
      expect(await Promise.all(pending)).toEqual(Array(5).fill('failed'));
      expect(held.stats.snapshot().byHost).toEqual({
        'a.test:8080': { requests: 3, inFlight: 0, peakInFlight: 3, peakPerSecond: 3 },
        'b.test': { requests: 2, inFlight: 0, peakInFlight: 2, peakPerSecond: 2 },
      });
    } finally {
      await held.close();
    }
  });

  it('reports per-URL attempts', async () => {
    await getText('/records/5?nonce=a');
    await getText('/records/5?nonce=a');
    await getText('/records/5?nonce=b');
    expect(api.stats.attempts('/records/5?nonce=a')).toBe(2);
    const res = await getText(`/stats?url=${encodeURIComponent('/records/5?nonce=b')}`);
    expect(JSON.parse(res.text)).toMatchObject({ url: '/records/5?nonce=b', attempts: 1 });
  });

  it('serves Prometheus metrics from its own registry with low-cardinality labels', async () => {
    const other = createDemoApi({ port: 0 });
    const { url } = await other.start();
    try {
      for (const path of ['/records/1', '/records/2', '/records/3?status=503']) {
        await (await request(`${url}${path}`, { dispatcher: agent })).body.dump();
      }
      const res = await request(`${url}/metrics`, { dispatcher: agent });
      expect(res.headers['content-type']).toContain('text/plain');
      const text = await res.body.text();
      expect(text).toContain(
        'tributary_demo_requests_total{route="/records/:id",status="200",fault="none"} 2',
      );
      expect(text).toContain(
        'tributary_demo_requests_total{route="/records/:id",status="503",fault="status"} 1',
      );
      expect(text).toContain('tributary_demo_requests_in_flight 0');
      expect(text).not.toMatch(/records\/\d/);
    } finally {
      await other.close();
    }
  });

  it('answers /healthz', async () => {
    expect(await getText('/healthz')).toMatchObject({ status: 200, text: '{"status":"ok"}' });
  });
});

describe('lifecycle', () => {
  it('starts once, closes idempotently, and refuses to start again', async () => {
    const one = createDemoApi({ port: 0 });
    expect(one.state).toBe('idle');
    expect(() => one.url).toThrow();
    await one.start();
    expect(one.state).toBe('running');
    await expect(one.start()).rejects.toThrow(/start\(\) called in state running/);
    await Promise.all([one.close(), one.close()]);
    expect(one.state).toBe('stopped');
    await one.close();
  });

  it('closes at once while requests wait on their latency', async () => {
    const slow = createDemoApi({ port: 0, defaults: { latencyMs: 60_000 } });
    const { url } = await slow.start();
    const pending = request(`${url}/records/1`, { dispatcher: agent }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => slow.stats.snapshot().inFlight === 1, {
      timeoutMs: 2_000,
      what: 'the request to arrive',
    });
    const started = performance.now();
    await slow.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe('failed');
  });
});
