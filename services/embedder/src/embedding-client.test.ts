import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingClient, type EmbeddingClientOptions, readVectors } from './embedding-client.ts';
import type { EmbeddingError } from './errors.ts';

// A loopback endpoint that answers what each test sets, and keeps every request it was sent.
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}
type Answer = (body: Record<string, unknown>, res: ServerResponse) => void;

let server: Server;
let origin: string;
let answer: Answer;
const seen: Seen[] = [];
const clients: EmbeddingClient[] = [];

function vector(seed: number, dimensions = 3): number[] {
  return Array.from({ length: dimensions }, (_, i) => seed + i / 10);
}

const openAi: Answer = (body, res) => {
  const input = body.input as string[];
  // In reverse order, as a server may: the client puts them back by index.
  const data = input.map((_, index) => ({ object: 'embedding', index, embedding: vector(index) })).reverse();
  json(res, 200, { object: 'list', data, model: body.model });
};

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      answer(body, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  seen.length = 0;
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function client(options: Partial<EmbeddingClientOptions> = {}): EmbeddingClient {
  const made = new EmbeddingClient({
    endpoint: `${origin}/v1/embeddings`,
    api: 'openai',
    model: 'test-embed',
    timeoutMs: 2_000,
    connections: 2,
    userAgent: 'tributary-test/1',
    ...options,
  });
  clients.push(made);
  return made;
}

async function failure(work: Promise<unknown>): Promise<EmbeddingError> {
  try {
    await work;
  } catch (err) {
    return err as EmbeddingError;
  }
  throw new Error('expected the request to fail');
}

describe('EmbeddingClient, openai', () => {
  it('sends one request and returns one vector per text, in their order', async () => {
    answer = openAi;
    const vectors = await client().embed(['a', 'b', 'c']);
    expect(vectors).toEqual([vector(0), vector(1), vector(2)]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ input: ['a', 'b', 'c'], model: 'test-embed', encoding_format: 'float' });
    expect(seen[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'tributary-test/1',
    });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('sends dimensions, input_type and the API key when given, and keeps the query string', async () => {
    answer = (body, res) => {
      const input = body.input as string[];
      json(res, 200, { data: input.map((_, index) => ({ index, embedding: vector(index, 4) })) });
    };
    const made = client({
      endpoint: `${origin}/v1/embeddings?api-version=2024-10-21`,
      dimensions: 4,
      apiKey: 'sk-test',
    });
    await made.embed(['q'], { inputType: 'query' });
    expect(seen[0]?.path).toBe('/v1/embeddings?api-version=2024-10-21');
    expect(seen[0]?.body).toEqual({
      input: ['q'],
      model: 'test-embed',
      dimensions: 4,
      encoding_format: 'float',
      input_type: 'query',
    });
    expect(seen[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('sends nothing for no texts', async () => {
    answer = openAi;
    expect(await client().embed([])).toEqual([]);
    expect(seen).toHaveLength(0);
  });
});

describe('EmbeddingClient, tei', () => {
  it('posts inputs without truncation and reads the array of vectors', async () => {
    answer = (body, res) =>
      json(
        res,
        200,
        (body.inputs as string[]).map((_, i) => vector(i)),
      );
    const vectors = await client({ endpoint: `${origin}/embed`, api: 'tei' }).embed(['a', 'b']);
    expect(vectors).toEqual([vector(0), vector(1)]);
    expect(seen[0]).toMatchObject({ path: '/embed', body: { inputs: ['a', 'b'], truncate: false } });
  });

  it("reads TEI's error body and its 413", async () => {
    answer = (_body, res) =>
      json(res, 413, { error: 'batch size 64 > maximum allowed batch size 32', error_type: 'Validation' });
    const err = await failure(client({ endpoint: `${origin}/embed`, api: 'tei' }).embed(['a']));
    expect(err).toMatchObject({
      reason: 'embedding-too-large',
      retryable: false,
      endpointMessage: 'batch size 64 > maximum allowed batch size 32',
    });
  });
});

describe('EmbeddingClient failures', () => {
  it('reads a 429 with Retry-After in seconds as rate-limited', async () => {
    answer = (_body, res) =>
      json(res, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '7' });
    const err = await failure(client().embed(['a']));
    expect(err).toMatchObject({ reason: 'rate-limited', retryable: true, retryAfterMs: 7_000 });
  });

  it('reads a 503 with a Retry-After date as rate-limited', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    answer = (_body, res) => json(res, 503, { error: 'overloaded' }, { 'retry-after': at });
    const err = await failure(client().embed(['a']));
    expect(err.reason).toBe('rate-limited');
    expect(err.retryAfterMs).toBeGreaterThan(25_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('refuses a 400 for good, with the message and the input it names, never the key', async () => {
    answer = (_body, res) =>
      json(res, 400, { error: { message: "Invalid 'input[1]': bad bytes (key sk-secret-1 rejected)" } });
    const err = await failure(client({ apiKey: 'sk-secret-1' }).embed(['a', 'b']));
    expect(err).toMatchObject({ reason: 'embedding-refused', retryable: false, inputIndex: 1 });
    expect(err.message).toContain("Invalid 'input[1]': bad bytes");
    expect(JSON.stringify({ ...err, message: err.message, stack: err.stack })).not.toContain('sk-secret-1');
  });

  it('reads a 400 about the context length as too large', async () => {
    answer = (_body, res) =>
      json(res, 400, {
        object: 'error',
        message:
          "This model's maximum context length is 512 tokens. However, you requested 1451 tokens in the input for embedding generation.",
      });
    const err = await failure(client().embed(['a', 'b']));
    expect(err).toMatchObject({ reason: 'embedding-too-large', retryable: false });
  });

  it('reads a 500 as unavailable', async () => {
    answer = (_body, res) => res.writeHead(500).end('boom');
    const err = await failure(client().embed(['a']));
    expect(err).toMatchObject({ reason: 'embedding-unavailable', retryable: true, status: 500 });
    expect(err.message).toContain('boom');
  });

  it.each([
    ['a body that is not JSON', (res: ServerResponse) => res.writeHead(200).end('<html>'), /not JSON/],
    ['no data array', (res: ServerResponse) => json(res, 200, { object: 'list' }), /no `data` array/],
    [
      'one vector too few',
      (res: ServerResponse) => json(res, 200, { data: [{ index: 0, embedding: [1] }] }),
      /1 embeddings for 2 inputs/,
    ],
  ])('reads %s as unavailable, saying what was wrong', async (_name, send, wrong) => {
    answer = (_body, res) => send(res);
    const err = await failure(client().embed(['a', 'b']));
    expect(err).toMatchObject({ reason: 'embedding-unavailable', retryable: true });
    expect(err.message).toMatch(wrong);
  });

  it('gives up on an answer that takes longer than the timeout', async () => {
    answer = (_body, res) => {
      const timer = setTimeout(() => json(res, 200, { data: [] }), 5_000);
      res.on('close', () => clearTimeout(timer));
    };
    const started = performance.now();
    const err = await failure(client({ timeoutMs: 200 }).embed(['a']));
    expect(err).toMatchObject({ reason: 'embedding-unavailable', retryable: true });
    expect(err.message).toContain('did not answer within 200 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('reads a refused connection as unavailable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, 'close');
    const err = await failure(
      client({ endpoint: `http://127.0.0.1:${port}/v1/embeddings?key=s3cret` }).embed(['a']),
    );
    expect(err).toMatchObject({ reason: 'embedding-unavailable', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('s3cret');
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(() => client({ endpoint: 'ftp://example.test/embed' })).toThrow(/http\(s\) URL/);
  });
});

describe('readVectors', () => {
  it.each([
    [
      'openai',
      { data: [{ index: 0, embedding: [1, 'x'] }] },
      1,
      undefined,
      /"x" at \[1\] of the vector of input 0/,
    ],
    ['openai', { data: [{ index: 0, embedding: [1, null] }] }, 1, undefined, /null at \[1\]/],
    [
      'openai',
      {
        data: [
          { index: 0, embedding: [1, 2] },
          { index: 0, embedding: [3, 4] },
        ],
      },
      2,
      undefined,
      /two embeddings of index 0/,
    ],
    ['openai', { data: [{ index: 5, embedding: [1] }] }, 1, undefined, /index 5, not an input's index/],
    [
      'openai',
      {
        data: [
          { index: 0, embedding: [1, 2] },
          { index: 1, embedding: [3] },
        ],
      },
      2,
      undefined,
      /1 dimensions in the vector of input 1, expected 2 as in the first/,
    ],
    [
      'openai',
      { data: [{ index: 0, embedding: [1, 2] }] },
      1,
      3,
      /2 dimensions in the vector of input 0, expected 3$/,
    ],
    ['openai', { data: [{ index: 0, embedding: 'AAAA' }] }, 1, undefined, /a JSON string, not an array/],
    ['openai', { data: [{ index: 0, embedding: [] }] }, 1, undefined, /an empty vector/],
    ['tei', { embeddings: [] }, 1, undefined, /a JSON object where an array of vectors was expected/],
    ['tei', [[1], [2]], 1, undefined, /2 vectors for 1 inputs/],
  ] as const)('finds what is wrong in an %s answer: %j', (api, body, inputs, dimensions, wrong) => {
    const read = readVectors(api, body, inputs, dimensions);
    expect('wrong' in read && read.wrong).toMatch(wrong);
  });

  it('puts OpenAI items without an index at their position', () => {
    const read = readVectors('openai', { data: [{ embedding: [1] }, { embedding: [2] }] }, 2, undefined);
    expect(read).toEqual({ vectors: [[1], [2]] });
  });
});
