import { contentHash, documentIdFor, type RawRecord, StoreMessageSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { CorruptBodyError, InvalidTransformResultError } from './errors.ts';
import { defineTransform, type Transform, type TransformContext, type TransformLogger } from './plugin.ts';
import { runTransform } from './run-transform.ts';
import { countTokens } from './tokenizer.ts';

const silent: TransformLogger = { debug() {}, info() {}, warn() {}, error() {} };
const config = { chunking: { targetTokens: 100, overlapTokens: 10 } };

const input: RawRecord = {
  jobId: 'job-1',
  url: 'https://source.example/a',
  finalUrl: 'https://source.example/b',
  status: 200,
  contentType: 'text/plain',
  etag: '"v7"',
  lastModified: 'Tue, 01 Jul 2025 10:00:00 GMT',
  fetchedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 3,
  bytes: 11,
  body: 'hello world',
  bodyEncoding: 'utf8',
  meta: { tenant: 'acme', tier: 'job' },
};

function run(transform: Transform, record: RawRecord = input) {
  return runTransform(transform, record, {
    config,
    logger: silent,
    now: () => new Date('2026-01-01T00:00:01.000Z'),
  });
}

describe('runTransform', () => {
  it('builds every Document from chunk-level output: ids, indexes, count, hash, source and times', async () => {
    const message = await run(() => ({
      title: 'A title',
      chunks: [{ text: 'first chunk' }, { text: 'second chunk', tokenCount: 99 }],
    }));
    expect(StoreMessageSchema.parse(message)).toEqual(message);
    const hash = contentHash(Buffer.from('hello world'));
    expect(message).toEqual({
      kind: 'documents',
      source: {
        jobId: 'job-1',
        url: 'https://source.example/a',
        status: 200,
        etag: '"v7"',
        lastModified: 'Tue, 01 Jul 2025 10:00:00 GMT',
        contentHash: hash,
        chunkCount: 2,
        fetchedAt: '2026-01-01T00:00:00.000Z',
      },
      documents: [
        {
          _id: documentIdFor('job-1', 0),
          jobId: 'job-1',
          sourceUrl: 'https://source.example/a',
          title: 'A title',
          text: 'first chunk',
          chunkIndex: 0,
          chunkCount: 2,
          contentHash: hash,
          // Counted with cl100k_base when the transform gives none; kept as given otherwise.
          tokenCount: countTokens('first chunk'),
          meta: { tenant: 'acme', tier: 'job' },
          fetchedAt: '2026-01-01T00:00:00.000Z',
          transformedAt: '2026-01-01T00:00:01.000Z',
        },
        {
          _id: documentIdFor('job-1', 1),
          jobId: 'job-1',
          sourceUrl: 'https://source.example/a',
          title: 'A title',
          text: 'second chunk',
          chunkIndex: 1,
          chunkCount: 2,
          contentHash: hash,
          tokenCount: 99,
          meta: { tenant: 'acme', tier: 'job' },
          fetchedAt: '2026-01-01T00:00:00.000Z',
          transformedAt: '2026-01-01T00:00:01.000Z',
        },
      ],
    });
  });

  it('carries the batch of the job to the source of the StoreMessage, and none when the job had none', async () => {
    const batched = await run(() => ({ chunks: [{ text: 'x' }] }), { ...input, batch: 'b-7' });
    expect(batched.source).toMatchObject({ jobId: 'job-1', batch: 'b-7' });
    const plain = await run(() => ({ chunks: [{ text: 'x' }] }));
    expect(plain.source).not.toHaveProperty('batch');
  });

  it("layers meta: the job's, then the result's, then the chunk's, as JSON carries it", async () => {
    const message = await run(() => ({
      meta: { tier: 'result', lang: 'en', when: new Date('2026-01-01T00:00:00Z'), dropped: undefined },
      chunks: [{ text: 'a', meta: { tier: 'chunk', page: 1 } }, { text: 'b' }],
    }));
    if (message.kind !== 'documents') throw new Error('expected documents');
    expect(message.documents.map((d) => d.meta)).toEqual([
      { tenant: 'acme', tier: 'chunk', lang: 'en', when: '2026-01-01T00:00:00.000Z', page: 1 },
      { tenant: 'acme', tier: 'result', lang: 'en', when: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('gives the transform the unpacked body, its text, the config, a logger and a signal', async () => {
    let seen: TransformContext | undefined;
    const gzipped: RawRecord = {
      ...input,
      body: 'H4sIAAAAAAAAA8tIzcnJVyjPL8pJAQCFEUoNCwAAAA==',
      bodyEncoding: 'base64',
      compressed: 'gzip',
    };
    await run((_, context) => {
      seen = context;
      return { chunks: [] };
    }, gzipped);
    expect(Buffer.from(seen?.body ?? []).toString()).toBe('hello world');
    expect(seen?.bodyText()).toBe('hello world');
    expect(seen?.config).toBe(config);
    expect(seen?.logger).toBe(silent);
    expect(seen?.signal.aborted).toBe(false);
  });

  it('awaits an asynchronous transform', async () => {
    const message = await run(
      defineTransform(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { chunks: [{ text: 'later' }] };
      }),
    );
    expect(message.kind === 'documents' && message.documents[0]?.text).toBe('later');
  });

  it('publishes a source with no chunks as zero documents, so stale chunks can be removed', async () => {
    const message = await run(() => ({ chunks: [] }));
    expect(message).toMatchObject({ kind: 'documents', source: { chunkCount: 0 }, documents: [] });
  });

  it.each([
    {
      name: 'a result that sets ids',
      result: { chunks: [{ text: 'x', _id: 'mine', chunkIndex: 3 }] },
      message: /chunks\[0\]: unknown fields _id, chunkIndex \(_id, chunkIndex are set by the service/,
    },
    {
      name: 'whole Documents instead of chunks',
      result: { documents: [{ text: 'x' }], chunks: [] },
      message: /result: unknown field documents/,
    },
    {
      name: 'a blank chunk',
      result: { chunks: [{ text: 'ok' }, { text: '  \n' }] },
      message: /chunks\[1\]\.text: must not be blank/,
    },
    { name: 'no chunks array', result: { title: 'T' }, message: /chunks: / },
    {
      name: 'a fractional token count',
      result: { chunks: [{ text: 'x', tokenCount: 1.5 }] },
      message: /chunks\[0\]\.tokenCount/,
    },
    { name: 'nothing', result: undefined, message: /transform returned undefined, expected an object/ },
  ])('rejects $name as an invalid result, not retryably', async ({ result, message }) => {
    const failure = run((() => result) as unknown as Transform);
    await expect(failure).rejects.toBeInstanceOf(InvalidTransformResultError);
    await expect(failure).rejects.toMatchObject({
      reason: 'invalid-transform-result',
      retryable: false,
      message,
    });
  });

  it('passes a transform’s own error through unchanged', async () => {
    const error = Object.assign(new Error('upstream schema changed'), {
      reason: 'schema-drift',
      retryable: false,
    });
    await expect(
      run(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('fails a body that cannot be unpacked as corrupt, not retryably', async () => {
    const broken: RawRecord = {
      ...input,
      body: Buffer.from('not gzip').toString('base64'),
      bodyEncoding: 'base64',
      compressed: 'gzip',
    };
    const failure = run(() => ({ chunks: [] }), broken);
    await expect(failure).rejects.toBeInstanceOf(CorruptBodyError);
    await expect(failure).rejects.toMatchObject({ reason: 'corrupt-body', retryable: false });
  });
});
