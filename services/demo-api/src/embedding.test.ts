import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contentWords,
  demoEmbedding,
  demoTokenCount,
  EMBEDDING_DEFAULTS,
  EMBEDDING_LIMITS,
  embeddingBase64,
} from './embedding.ts';

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return dot / Math.sqrt(aa * bb);
}

function norm(v: readonly number[]): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

const CHUNKS = [
  'The fetcher retries a failed request with exponential backoff and honours Retry-After.',
  'Documents are split into chunks of a few hundred tokens before they are embedded.',
  'RabbitMQ dead-letters a message after the delivery limit is reached.',
  'MongoDB stores every chunk with its source URL, its hash and its vector.',
  'A circuit breaker opens after repeated failures and lets one probe through later.',
];

describe('demoEmbedding', () => {
  it('gives the same vector for the same text and model, every time', () => {
    const text = 'Deterministic vectors for deterministic tests.';
    expect(demoEmbedding(text)).toEqual(demoEmbedding(text));
    expect(demoEmbedding(text, 384, EMBEDDING_DEFAULTS.model)).toEqual(demoEmbedding(text));
  });

  it('is unit length with float32 components, for any text and dimensions', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 2, max: 1_024 }), (text, dimensions) => {
        const vector = demoEmbedding(text, dimensions);
        expect(vector).toHaveLength(dimensions);
        expect(norm(vector)).toBeCloseTo(1, 5);
        for (const x of vector) expect(Math.fround(x)).toBe(x);
      }),
      { numRuns: 200 },
    );
  });

  it('honours dimensions: a shorter vector is the renormalised prefix of a longer one', () => {
    const text = CHUNKS[0] as string;
    const long = demoEmbedding(text, 1_536);
    const short = demoEmbedding(text, 256);
    expect(short).toHaveLength(256);
    const prefix = long.slice(0, 256);
    const scale = norm(prefix);
    short.forEach((x, i) => {
      expect(x).toBeCloseTo((prefix[i] as number) / scale, 6);
    });
    expect(demoEmbedding(text, EMBEDDING_LIMITS.maxDimensions)).toHaveLength(EMBEDDING_LIMITS.maxDimensions);
  });

  it.each([0, -1, 1.5, EMBEDDING_LIMITS.maxDimensions + 1])('refuses %s dimensions', (dimensions) => {
    expect(() => demoEmbedding('text', dimensions)).toThrow(RangeError);
  });

  it('gives another model unrelated vectors', () => {
    const text = CHUNKS[1] as string;
    expect(Math.abs(cosine(demoEmbedding(text, 384, 'a'), demoEmbedding(text, 384, 'b')))).toBeLessThan(0.25);
  });

  it('gives texts with the same content words the same vector, whatever the order, case and stop words', () => {
    expect(demoEmbedding('Retries with backoff')).toEqual(
      demoEmbedding('backoff, and the RETRIES; retries.'),
    );
  });

  it('puts similar texts closer than unrelated ones', () => {
    const [retries, chunks] = CHUNKS as [string, string];
    const paraphrase = 'On failure the fetcher retries with backoff.';
    expect(cosine(demoEmbedding(retries), demoEmbedding(paraphrase))).toBeGreaterThan(0.4);
    expect(Math.abs(cosine(demoEmbedding(chunks), demoEmbedding(paraphrase)))).toBeLessThan(0.2);
  });

  it('lets a query find the chunk it shares words with', () => {
    const vectors = CHUNKS.map((chunk) => demoEmbedding(chunk));
    for (const [query, expected] of [
      ['how does the circuit breaker probe after failures?', 4],
      ['which vector and hash does MongoDB store for a chunk', 3],
      ['delivery limit dead-letters', 2],
      ['exponential backoff retries', 0],
    ] as const) {
      const q = demoEmbedding(query);
      const scores = vectors.map((v) => cosine(q, v));
      expect(scores.indexOf(Math.max(...scores)), query).toBe(expected);
    }
  });

  it('approximates the cosine of the bags of content words', () => {
    // 6 and 6 content words, 3 shared: the cosine of the binary bags is 3 / 6 = 0.5.
    const a = demoEmbedding('alpha bravo charlie delta echo foxtrot');
    const b = demoEmbedding('alpha bravo charlie golf hotel india');
    expect(cosine(a, b)).toBeGreaterThan(0.5 - 0.15);
    expect(cosine(a, b)).toBeLessThan(0.5 + 0.15);
  });

  it('gives texts without content words distinct vectors of their own', () => {
    expect(contentWords('... the, of!')).toEqual([]);
    expect(demoEmbedding('...')).not.toEqual(demoEmbedding('!!!'));
    expect(norm(demoEmbedding(''))).toBeCloseTo(1, 5);
  });
});

describe('demoTokenCount', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['abcd', 1],
    ['abcde', 2],
    ['x'.repeat(4_000), 1_000],
  ])('counts %j as %i tokens', (text, tokens) => {
    expect(demoTokenCount(text)).toBe(tokens);
  });
});

describe('embeddingBase64', () => {
  it('encodes little-endian float32s that decode to the vector exactly', () => {
    const vector = demoEmbedding('base64 round trip', 16);
    const bytes = Buffer.from(embeddingBase64(vector), 'base64');
    expect(bytes).toHaveLength(64);
    const decoded = Array.from({ length: 16 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(vector);
  });
});
