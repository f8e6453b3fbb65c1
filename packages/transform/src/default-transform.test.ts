import {
  contentHash,
  documentIdFor,
  packBody,
  type RawRecord,
  type StoreMessage,
  StoreMessageSchema,
} from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { pageFor, recordFor } from '../../../test/support/demo-content.ts';
import type { ChunkOptions } from './chunker.ts';
import { defaultTransform } from './default-transform.ts';
import { MalformedContentError, UnsupportedContentTypeError } from './errors.ts';
import type { TransformConfig, TransformLogger } from './plugin.ts';
import { runTransform } from './run-transform.ts';

const silent: TransformLogger = { debug() {}, info() {}, warn() {}, error() {} };
const chunking: ChunkOptions = { targetTokens: 128, maxTokens: 160, overlapTokens: 16 };
const now = () => new Date('2026-02-03T04:05:06.000Z');

function record(
  url: string,
  body: string | Uint8Array,
  contentType: string,
  extra: Partial<RawRecord> = {},
): RawRecord {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    jobId: `job-${url}`,
    url,
    finalUrl: url,
    status: 200,
    contentType,
    fetchedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 5,
    bytes: bytes.byteLength,
    ...packBody(bytes, 1024 * 1024),
    ...extra,
  };
}

async function transform(input: RawRecord, config: Partial<TransformConfig> = {}) {
  const message = await runTransform(defaultTransform, input, {
    config: { chunking, ...config },
    logger: silent,
    now,
  });
  expect(StoreMessageSchema.parse(message)).toEqual(message);
  if (message.kind !== 'documents') throw new Error(`expected documents, got ${message.kind}`);
  return message;
}

const allText = (message: Extract<StoreMessage, { kind: 'documents' }>) =>
  message.documents.map((document) => document.text).join('\n');

describe('defaultTransform on HTML', () => {
  const page = pageFor(42, { paragraphs: 24 });
  const url = 'https://gazette.example/pages/42';

  it('keeps the article and drops navigation, cookie banner, aside, footer, scripts and styles', async () => {
    const message = await transform(record(url, page.html, 'text/html; charset=utf-8'));
    const text = allText(message);
    for (const paragraph of page.paragraphs) expect(text).toContain(paragraph);
    for (const heading of page.headings) expect(text).toContain(heading);
    for (const boilerplate of [
      'We use cookies',
      'Accept all',
      'Search the archive',
      'Related stories',
      'Most read',
      'Get the morning briefing',
      'All rights reserved',
      'localStorage',
      'box-sizing',
      '__pageMeta',
    ]) {
      expect(text).not.toContain(boilerplate);
    }
  });

  it('keeps the title and the canonical URL, and the declared language', async () => {
    const message = await transform(record(url, page.html, 'text/html'));
    expect(message.documents.every((document) => document.title === page.title)).toBe(true);
    expect(message.documents[0]?.meta).toEqual({
      canonicalUrl: 'https://gazette.example/pages/42',
      lang: 'en',
    });
  });

  it('cuts the text into overlapping chunks within the token bound, in order, with deterministic ids', async () => {
    const input = record(url, page.html, 'text/html');
    const message = await transform(input);
    const n = message.documents.length;
    expect(n).toBeGreaterThan(5);
    expect(message.source.chunkCount).toBe(n);
    message.documents.forEach((document, i) => {
      expect(document._id).toBe(documentIdFor(input.jobId, i));
      expect(document.chunkIndex).toBe(i);
      expect(document.chunkCount).toBe(n);
      expect(document.tokenCount).toBeGreaterThan(0);
      expect(document.tokenCount).toBeLessThanOrEqual(chunking.maxTokens ?? chunking.targetTokens);
      expect(document.transformedAt).toBe('2026-02-03T04:05:06.000Z');
    });
  });
});

describe('defaultTransform on JSON', () => {
  const demo = recordFor(7);
  const body = JSON.stringify({ ...demo, views: 1234 });
  const url = 'https://api.example/records/7';

  it('flattens the whole record to readable lines without a field list', async () => {
    const message = await transform(record(url, body, 'application/json'), {
      chunking: { targetTokens: 4_000, overlapTokens: 0 },
    });
    expect(message.documents).toHaveLength(1);
    const text = message.documents[0]?.text ?? '';
    expect(text).toContain(`title: ${demo.title}`);
    expect(text).toContain(`author.name: ${demo.author.name}`);
    expect(text).toContain(`tags: ${demo.tags.join(', ')}`);
    expect(text).toContain('views: 1234');
    expect(message.documents[0]?.title).toBe(demo.title);
  });

  it('keeps only the selected fields, in the order given, with a field list', async () => {
    const message = await transform(record(url, body, 'application/json; charset=utf-8'), {
      chunking: { targetTokens: 4_000, overlapTokens: 0 },
      jsonFields: ['summary', 'body'],
    });
    expect(message.documents[0]?.text).toBe(`${demo.summary}\n\n${demo.body}`);
    expect(message.documents[0]?.text).not.toContain(demo.author.name);
  });

  it('fails a body that is not JSON, not retryably', async () => {
    const failure = runTransform(defaultTransform, record(url, '{"title": "cut off', 'application/json'), {
      config: { chunking },
      logger: silent,
    });
    await expect(failure).rejects.toBeInstanceOf(MalformedContentError);
    await expect(failure).rejects.toMatchObject({ reason: 'malformed-content', retryable: false });
  });
});

describe('defaultTransform on text', () => {
  it('keeps Markdown as it is, with its first heading as the title', async () => {
    const markdown = '# Changelog\n\n## 1.2\n\n- Faster  chunking.\n- **Fewer** retries.\r\n';
    const message = await transform(record('https://docs.example/CHANGELOG.md', markdown, 'text/markdown'));
    expect(message.documents).toHaveLength(1);
    expect(message.documents[0]?.title).toBe('Changelog');
    expect(message.documents[0]?.text).toBe(
      '# Changelog\n\n## 1.2\n\n- Faster chunking.\n- **Fewer** retries.',
    );
  });

  it('keeps plain text as it is, normalised, without a title', async () => {
    const message = await transform(
      record('https://docs.example/a.txt', 'Caf\u0065\u0301  au lait.\u00a0Yes.', 'text/plain'),
    );
    expect(message.documents.map((d) => [d.title, d.text])).toEqual([[undefined, 'Café au lait. Yes.']]);
  });

  it('decodes the charset the content type declares', async () => {
    const latin1 = Buffer.from('Crème brûlée, à la française.', 'latin1');
    const message = await transform(
      record('https://docs.example/b.txt', latin1, 'text/plain; charset=ISO-8859-1'),
    );
    expect(message.documents[0]?.text).toBe('Crème brûlée, à la française.');
  });

  it('gives a body without text no documents', async () => {
    const message = await transform(record('https://docs.example/empty.txt', ' \n\n ', 'text/plain'));
    expect(message.documents).toEqual([]);
    expect(message.source.chunkCount).toBe(0);
  });

  it('fails a content type it cannot read, not retryably', async () => {
    const failure = runTransform(
      defaultTransform,
      record('https://docs.example/a.pdf', '%PDF-1.7', 'application/pdf'),
      {
        config: { chunking },
        logger: silent,
      },
    );
    await expect(failure).rejects.toBeInstanceOf(UnsupportedContentTypeError);
  });
});

describe('runTransform with the default transform', () => {
  const page = pageFor(9, { paragraphs: 16 });
  const url = 'https://gazette.example/pages/9';

  it('gives the same ids, hash and chunks for the same content, however the body travelled', async () => {
    const plain = record(url, page.html, 'text/html');
    const gzipped = { ...plain, ...packBody(Buffer.from(page.html), 1) };
    expect(gzipped.compressed).toBe('gzip');
    const first = await transform(plain);
    const second = await transform(gzipped);
    expect(second).toEqual(first);
    expect(first.source.contentHash).toBe(contentHash(Buffer.from(page.html, 'utf8')));
    expect(first.documents.every((d) => d.contentHash === first.source.contentHash)).toBe(true);
  });

  it('changes the hash with the content, and the chunks with the chunking options, never the id scheme', async () => {
    const input = record(url, page.html, 'text/html');
    const small = await transform(input, { chunking: { targetTokens: 64, overlapTokens: 0 } });
    const large = await transform(input, {
      chunking: { targetTokens: 512, maxTokens: 600, overlapTokens: 32 },
    });
    expect(small.documents.length).toBeGreaterThan(large.documents.length);
    expect(small.source.contentHash).toBe(large.source.contentHash);
    expect(small.documents.every((d) => d.tokenCount <= 64)).toBe(true);
    for (const message of [small, large]) {
      expect(message.documents.map((d) => d._id)).toEqual(
        message.documents.map((_, i) => documentIdFor(input.jobId, i)),
      );
    }
    const edited = await transform(record(url, pageFor(9, { paragraphs: 16, version: 2 }).html, 'text/html'));
    expect(edited.source.contentHash).not.toBe(small.source.contentHash);
  });
});
