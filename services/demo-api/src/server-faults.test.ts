import { Agent, type Dispatcher, errors, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { recordFor } from './content.ts';
import { createDemoApi, type DemoApi } from './server.ts';

let api: DemoApi;
let base: string;
const agent = new Agent({ keepAliveTimeout: 10_000 });
let unique = 0;

/** A URL no other test has asked for, so per-URL attempt counters start at zero. */
function fresh(path: string): string {
  unique++;
  return `${path}${path.includes('?') ? '&' : '?'}nonce=${unique}`;
}

function get(path: string, options: Partial<Dispatcher.RequestOptions> = {}) {
  return request(`${base}${path}`, { dispatcher: agent, ...options });
}

async function getText(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Reads a body to its end or to its error, counting bytes. */
async function drain(body: AsyncIterable<Buffer>): Promise<{ bytes: number; error: unknown; text: string }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks).length, error: undefined, text: Buffer.concat(chunks).toString() };
  } catch (error) {
    return { bytes: Buffer.concat(chunks).length, error, text: Buffer.concat(chunks).toString() };
  }
}

beforeAll(async () => {
  api = createDemoApi({ port: 0 });
  base = (await api.start()).url;
});

afterAll(async () => {
  await agent.close();
  await api.close();
});

describe('errors on demand', () => {
  it('fails the first n requests for a URL, then serves it', async () => {
    const path = fresh('/records/31?failFirst=2&failStatus=503');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await getText(path)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await getText(path)).text).toBe(JSON.stringify(recordFor(31)));
    expect(api.stats.attempts(path)).toBe(4);
    // Another URL has its own counter.
    expect((await getText(fresh('/records/31?failFirst=1'))).status).toBe(500);
  });

  it('answers any status asked for', async () => {
    const res = await getText(fresh('/records/1?status=404'));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toMatchObject({ status: 404, fault: 'status' });
  });

  it('sends 429 with Retry-After in seconds', async () => {
    const res = await getText(fresh('/records/1?status=429&retryAfter=2'));
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
  });

  it('sends 503 with Retry-After as an HTTP-date, never earlier than the delay asked for', async () => {
    const before = Date.now();
    const res = await getText(fresh('/records/1?status=503&retryAfter=3&retryAfterDate=1'));
    expect(res.status).toBe(503);
    const header = String(res.headers['retry-after']);
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const waitMs = Date.parse(header) - before;
    expect(waitMs).toBeGreaterThanOrEqual(3_000);
    expect(waitMs).toBeLessThanOrEqual(5_000);
  });

  it('puts Retry-After on failFirst failures and not on the success after them', async () => {
    const path = fresh('/records/1?failFirst=1&failStatus=429&retryAfter=1');
    const failed = await getText(path);
    expect([failed.status, failed.headers['retry-after']]).toEqual([429, '1']);
    const served = await getText(path);
    expect([served.status, served.headers['retry-after']]).toEqual([200, undefined]);
  });

  it('fails at the error rate, from the environment defaults or the query', async () => {
    const flaky = createDemoApi({
      port: 0,
      defaults: { errorRate: 0.5, failStatus: 503 },
      random: () => 0.25,
    });
    const { url } = await flaky.start();
    try {
      const status = async (path: string) => {
        const res = await request(`${url}${path}`, { dispatcher: agent });
        await res.body.dump();
        return res.statusCode;
      };
      expect(await status('/records/1')).toBe(503);
      expect(await status('/records/1?fail=0')).toBe(200);
      expect(await status('/records/1?fail=0.2')).toBe(200);
      expect(await status('/records/1?fail=always&failStatus=500')).toBe(500);
      expect(flaky.stats.snapshot().byFault).toEqual({ fail: 2, none: 2 });
    } finally {
      await flaky.close();
    }
  });
});

describe('latency', () => {
  it('waits the latency plus jitter before answering', async () => {
    const started = performance.now();
    const res = await getText(fresh('/records/1?latency=200&jitter=100'));
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(1_500);
  });
});

describe('hanging requests', () => {
  it('never answers: a client with a 300 ms timeout gives up', async () => {
    const started = performance.now();
    await expect(get(fresh('/records/1?hang=1'), { headersTimeout: 300 })).rejects.toBeInstanceOf(
      errors.HeadersTimeoutError,
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2_000);
    await waitFor(() => api.stats.snapshot().inFlight === 0, {
      timeoutMs: 2_000,
      what: 'the socket to close',
    });
    expect(api.stats.snapshot().byFault.hang).toBeGreaterThanOrEqual(1);
  });

  it('does not hold close() open: hanging sockets are destroyed', async () => {
    const stuck = createDemoApi({ port: 0 });
    const { url } = await stuck.start();
    const outcomes = Array.from({ length: 3 }, (_, i) =>
      request(`${url}/pages/${i}?hang=1`, { dispatcher: agent, headersTimeout: 60_000 }).then(
        () => 'answered',
        (err: unknown) => (err instanceof errors.UndiciError ? err.code : String(err)),
      ),
    );
    await waitFor(() => stuck.stats.snapshot().inFlight === 3, {
      timeoutMs: 2_000,
      what: 'three hanging requests',
    });
    const started = performance.now();
    await stuck.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await Promise.all(outcomes)).toEqual(['UND_ERR_SOCKET', 'UND_ERR_SOCKET', 'UND_ERR_SOCKET']);
    expect(stuck.stats.snapshot()).toMatchObject({ inFlight: 0, byStatus: { none: 3 } });
  });
});

describe('slow and broken bodies', () => {
  it('drips the body one chunk at a time', async () => {
    const started = performance.now();
    const res = await get(fresh('/records/12?drip=40'));
    const headersMs = performance.now() - started;
    const body = await drain(res.body);
    const elapsed = performance.now() - started;
    expect(body.text).toBe(JSON.stringify(recordFor(12)));
    expect(headersMs).toBeLessThan(200);
    // Ten chunks, each after a 40 ms pause.
    expect(elapsed).toBeGreaterThanOrEqual(10 * 40 - 10);
  });

  it('drips slowly enough to trip a body timeout', async () => {
    const res = await get(fresh('/records/12?drip=3000&dripBytes=100'), { bodyTimeout: 150 });
    expect(res.statusCode).toBe(200);
    const body = await drain(res.body);
    expect(body.error).toBeInstanceOf(errors.BodyTimeoutError);
  });

  it('truncates: declares the whole length, sends half, closes', async () => {
    const res = await get(fresh('/records/13?truncate=1'));
    const declared = Number(res.headers['content-length']);
    expect(declared).toBe(Buffer.byteLength(JSON.stringify(recordFor(13))));
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = await drain(res.body);
    expect(body.error).toBeInstanceOf(Error);
    expect(body.bytes).toBeLessThan(declared);
  });

  it('truncates a chunked body by closing before the last chunk', async () => {
    const res = await get(fresh('/pages/13?truncate=chunked'));
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    const body = await drain(res.body);
    expect(body.error).toBeInstanceOf(Error);
    expect(body.bytes).toBeGreaterThan(0);
  });

  it('corrupts: 200, declared JSON, not parseable', async () => {
    const res = await getText(fresh('/records/14?corrupt=1'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toBeUndefined();
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
  });

  it('streams a very large body of exactly the size asked for', async () => {
    const size = 64 * 1024 * 1024;
    const res = await get(fresh(`/records/15?size=${size}`));
    expect(Number(res.headers['content-length'])).toBe(size);
    let bytes = 0;
    let tail = '';
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-2);
    }
    expect(bytes).toBe(size);
    expect(tail).toBe('"}');
  });

  it('produces a large body only as fast as the client reads it', async () => {
    const other = createDemoApi({ port: 0 });
    const { url } = await other.start();
    try {
      const size = 4 * 1024 ** 3;
      const res = await request(`${url}/pages/15?size=${size}`, { dispatcher: agent });
      expect(Number(res.headers['content-length'])).toBe(size);
      // The client reads nothing for a while: the server must stop at the socket's backpressure.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const written = other.stats.snapshot().bodyBytes;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(64 * 1024 * 1024);
      res.body.destroy();
      await waitFor(() => other.stats.snapshot().inFlight === 0, {
        timeoutMs: 2_000,
        what: 'the stream to stop',
      });
    } finally {
      await other.close();
    }
  });
});

describe('redirects', () => {
  it('redirects to a private address as a Location header only', async () => {
    const res = await getText(fresh('/records/1?redirectTo=private'));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://10.0.0.1/');
  });

  it('redirects to any Location given, with the status given', async () => {
    const target = 'http://127.0.0.1:9/elsewhere';
    const res = await getText(fresh(`/records/1?redirect=${encodeURIComponent(target)}&status=307`));
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(target);
  });

  it('runs a chain of n redirects before the content', async () => {
    api.stats.reset();
    let path = fresh('/records/16?redirects=3');
    const statuses: number[] = [];
    for (;;) {
      const res = await getText(path);
      statuses.push(res.status);
      if (res.status !== 302) {
        expect(res.text).toBe(JSON.stringify(recordFor(16)));
        break;
      }
      path = String(res.headers.location);
    }
    expect(statuses).toEqual([302, 302, 302, 200]);
    expect(api.stats.snapshot()).toMatchObject({
      requests: { '/records/:id': 4 },
      byFault: { redirects: 3, none: 1 },
    });
  });
});
