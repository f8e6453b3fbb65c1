import { Agent, errors, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { demoEmbedding, demoTokenCount } from './embedding.ts';
import { EMBEDDING_REFUSE_MARKER } from './embedding-request.ts';
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

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

async function post(
  path: string,
  body: unknown,
  options: { url?: string; headersTimeout?: number } = {},
): Promise<Answer> {
  const res = await request(`${options.url ?? base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    dispatcher: agent,
    ...(options.headersTimeout === undefined ? {} : { headersTimeout: options.headersTimeout }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

beforeAll(async () => {
  api = createDemoApi({ port: 0 });
  base = (await api.start()).url;
});

afterAll(async () => {
  await agent.close();
  await api.close();
});

describe('POST /v1/embeddings (OpenAI)', () => {
  it('answers one vector per input, in order, as demoEmbedding computes them, with the usage', async () => {
    const input = ['the fetcher retries', 'chunks are embedded'];
    const res = await post('/v1/embeddings', { input, model: 'text-embedding-3-small', dimensions: 64 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      object: 'list',
      data: input.map((text, index) => ({
        object: 'embedding',
        index,
        embedding: demoEmbedding(text, 64, 'text-embedding-3-small'),
      })),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 10, total_tokens: 10 },
    });
    expect(demoTokenCount(input[0] as string) + demoTokenCount(input[1] as string)).toBe(10);
  });

  it('embeds a single string with the default dimensions, and in base64 when asked', async () => {
    const float = (await post('/v1/embeddings', { input: 'one text', model: 'm' })).json() as {
      data: { embedding: number[] }[];
    };
    expect(float.data[0]?.embedding).toEqual(demoEmbedding('one text', 384, 'm'));
    const base64 = (
      await post('/v1/embeddings', { input: 'one text', model: 'm', encoding_format: 'base64' })
    ).json() as { data: { embedding: string }[] };
    const bytes = Buffer.from(base64.data[0]?.embedding ?? '', 'base64');
    expect(Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4))).toEqual(
      float.data[0]?.embedding,
    );
  });

  it('answers 400 invalid_request_error to a body that is not JSON or has no input', async () => {
    for (const body of ['{"input": ', JSON.stringify({ model: 'm' })]) {
      const res = await post('/v1/embeddings', body);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({
        error: { type: 'invalid_request_error', message: expect.any(String) },
      });
    }
  });

  it('answers 413 past the input and token limits, saying the limit', async () => {
    const many = await post('/v1/embeddings', { input: Array.from({ length: 257 }, () => 'x'), model: 'm' });
    expect(many.status).toBe(413);
    expect(many.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        code: 'too_many_inputs',
        message: expect.stringMatching(/256/),
      },
    });
    const long = await post('/v1/embeddings', {
      input: ['x'.repeat(16_384), 'y'.repeat(16_388)],
      model: 'm',
    });
    expect(long.status).toBe(413);
    expect(long.json()).toMatchObject({
      error: { code: 'too_many_tokens', message: expect.stringMatching(/8192/) },
    });
  });

  it('refuses an input with the marker with a 400 naming its index', async () => {
    const res = await post('/v1/embeddings', { input: ['ok', `no ${EMBEDDING_REFUSE_MARKER}`], model: 'm' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({
      error: { code: 'input_refused', message: expect.stringMatching(/input\[1\]/) },
    });
  });

  it('answers 405 to anything but POST', async () => {
    const res = await request(`${base}/v1/embeddings`, { dispatcher: agent });
    await res.body.dump();
    expect([res.statusCode, res.headers.allow]).toEqual([405, 'POST']);
  });
});

describe('POST /embed (TEI)', () => {
  it('answers the bare vectors of the served model', async () => {
    const res = await post('/embed', { inputs: ['a b c', 'd e f'], truncate: false });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual([demoEmbedding('a b c'), demoEmbedding('d e f')]);
    expect((await post('/embed', { inputs: 'a b c' })).json()).toEqual([demoEmbedding('a b c')]);
  });

  it('answers errors in TEI’s shape', async () => {
    const bad = await post('/embed', 'nope');
    expect([bad.status, (bad.json() as { error_type: string }).error_type]).toEqual([400, 'Validation']);
    const big = await post('/embed', { inputs: Array.from({ length: 300 }, () => 'x') });
    expect([big.status, big.json()]).toEqual([
      413,
      {
        error:
          'Too many inputs: batch size 300 > maximum allowed batch size 256; send at most 256 inputs per request',
        error_type: 'Validation',
      },
    ]);
  });

  it('serves the model and dimensions it is configured with', async () => {
    const small = createDemoApi({ port: 0, embeddings: { model: 'tiny', dimensions: 8, maxInputs: 2 } });
    const { url } = await small.start();
    try {
      expect((await post('/embed', { inputs: ['x'] }, { url })).json()).toEqual([
        demoEmbedding('x', 8, 'tiny'),
      ]);
      expect((await post('/embed', { inputs: ['x', 'y', 'z'] }, { url })).status).toBe(413);
    } finally {
      await small.close();
    }
  });
});

describe('faults on the embedding routes', () => {
  it('fails the first n requests to the URL, then embeds', async () => {
    const path = fresh('/v1/embeddings?failFirst=2&failStatus=503');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(path, { input: 'x', model: 'm' })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(api.stats.attempts(path)).toBe(3);
  });

  it('answers 429 with Retry-After in the dialect’s shape', async () => {
    const openai = await post(fresh('/v1/embeddings?status=429&retryAfter=1'), { input: 'x', model: 'm' });
    expect([openai.status, openai.headers['retry-after']]).toEqual([429, '1']);
    expect(openai.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    const tei = await post(fresh('/embed?status=429&retryAfter=1'), { inputs: 'x' });
    expect([tei.status, tei.headers['retry-after'], tei.json()]).toMatchObject([
      429,
      '1',
      { error_type: 'Overloaded' },
    ]);
  });

  it('answers the fault before the request’s own errors', async () => {
    expect((await post(fresh('/v1/embeddings?status=500'), 'not json')).status).toBe(500);
  });

  it('waits the latency asked for', async () => {
    const started = performance.now();
    expect((await post(fresh('/embed?latency=150'), { inputs: 'x' })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('sends invalid JSON with a 200 for corrupt=1', async () => {
    const res = await post(fresh('/v1/embeddings?corrupt=1'), { input: 'x', model: 'm' });
    expect(res.status).toBe(200);
    expect(res.json).toThrow(SyntaxError);
  });

  it('cuts the body short for truncate=1', async () => {
    await expect(post(fresh('/embed?truncate=1'), { inputs: 'x' })).rejects.toThrow();
  });

  it('drips the body for drip=ms, and it arrives whole', async () => {
    const started = performance.now();
    const res = await post(fresh('/embed?drip=20&dripBytes=2048'), { inputs: ['x', 'y'] });
    expect(res.json()).toEqual([demoEmbedding('x'), demoEmbedding('y')]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('never answers for hang=1', async () => {
    await expect(
      post(fresh('/embed?hang=1'), { inputs: 'x' }, { headersTimeout: 300 }),
    ).rejects.toBeInstanceOf(errors.HeadersTimeoutError);
  });

  it('refuses an unknown parameter with a 400 in the dialect’s shape, naming the ones it takes', async () => {
    const openai = await post('/v1/embeddings?latencyMs=50', { input: 'x', model: 'm' });
    expect(openai.status).toBe(400);
    expect(openai.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        param: 'latencyMs',
        message: expect.stringMatching(
          /^latencyMs must be left out: the embedding routes take latency, jitter/,
        ),
      },
    });
    const tei = await post('/embed?failFirst=x', { inputs: 'x' });
    expect([tei.status, tei.json()]).toMatchObject([400, { error_type: 'Validation' }]);
  });
});

describe('POST /control/embeddings', () => {
  it('takes both endpoints down with 503s, and brings them back', async () => {
    const down = await request(`${base}/control/embeddings?down=1&retryAfter=2`, {
      method: 'POST',
      dispatcher: agent,
    });
    expect([down.statusCode, await down.body.json()]).toEqual([200, { down: true, retryAfter: 2 }]);
    expect(api.embeddingsDown).toBe(true);
    const openai = await post('/v1/embeddings', { input: 'x', model: 'm' });
    expect([openai.status, openai.headers['retry-after']]).toEqual([503, '2']);
    expect(openai.json()).toMatchObject({
      error: { type: 'server_error', message: expect.stringMatching(/down/) },
    });
    const tei = await post('/embed', { inputs: 'x' });
    expect([tei.status, tei.json()]).toMatchObject([503, { error_type: 'Unhealthy' }]);

    const up = await request(`${base}/control/embeddings?down=0`, { method: 'POST', dispatcher: agent });
    expect(await up.body.json()).toEqual({ down: false });
    expect((await post('/embed', { inputs: 'x' })).status).toBe(200);

    api.setEmbeddingsDown(true);
    const plain = await post('/embed', { inputs: 'x' });
    expect([plain.status, plain.headers['retry-after']]).toEqual([503, undefined]);
    api.setEmbeddingsDown(false);
    expect(api.embeddingsDown).toBe(false);
  });
});

describe('exact embedding stats', () => {
  it('counts requests, inputs, tokens, maxima, statuses and per-second peaks, and resets', async () => {
    const counted = createDemoApi({ port: 0, embeddings: { maxInputs: 3 } });
    const { url } = await counted.start();
    try {
      const texts = ['alpha beta', 'gamma delta epsilon', 'zeta'];
      const tokens = texts.reduce((sum, text) => sum + demoTokenCount(text), 0);
      expect((await post('/v1/embeddings', { input: texts, model: 'm' }, { url })).status).toBe(200);
      expect((await post('/embed', { inputs: texts[0] }, { url })).status).toBe(200);
      expect((await post('/embed', { inputs: [...texts, 'one too many'] }, { url })).status).toBe(413);
      expect((await post('/embed?status=503', { inputs: texts }, { url })).status).toBe(503);
      expect((await post('/embed', 'not json', { url })).status).toBe(400);
      const hung = post('/embed?hang=1', { inputs: 'x' }, { url, headersTimeout: 200 }).catch(
        () => 'gave up',
      );
      expect(await hung).toBe('gave up');
      await waitFor(() => counted.stats.snapshot().inFlight === 0, {
        timeoutMs: 2_000,
        what: 'the hang to end',
      });

      const res = await request(`${url}/stats`, { dispatcher: agent });
      const { embeddings, requests } = (await res.body.json()) as {
        embeddings: Record<string, unknown>;
        requests: Record<string, number>;
      };
      // All within well under a second on this machine; the peaks count every arrival and every token sent.
      const sentTokens = tokens + demoTokenCount(texts[0] as string) + (tokens + 3) + tokens + 1;
      expect(embeddings).toEqual({
        requests: 6,
        inputs: 4,
        tokens: tokens + demoTokenCount(texts[0] as string),
        maxInputsPerRequest: 4,
        maxTokensPerRequest: tokens + 3,
        byStatus: { 200: 2, 400: 1, 413: 1, 503: 1, none: 1 },
        peakRequestsPerSecond: expect.any(Number),
        peakTokensPerSecond: expect.any(Number),
      });
      expect(embeddings.peakRequestsPerSecond).toBeGreaterThanOrEqual(1);
      expect(embeddings.peakRequestsPerSecond).toBeLessThanOrEqual(6);
      expect(embeddings.peakTokensPerSecond).toBeLessThanOrEqual(sentTokens);
      expect(requests).toEqual({ '/v1/embeddings': 1, '/embed': 5 });

      const reset = await request(`${url}/stats/reset`, { method: 'POST', dispatcher: agent });
      await reset.body.dump();
      expect(counted.stats.snapshot().embeddings).toMatchObject({
        requests: 0,
        inputs: 0,
        peakTokensPerSecond: 0,
      });
    } finally {
      await counted.close();
    }
  });
});
