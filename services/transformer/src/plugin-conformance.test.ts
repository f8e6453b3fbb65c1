import {
  contentHash,
  documentIdFor,
  jobIdFor,
  packBody,
  type RawRecord,
  StoreMessageSchema,
  unpackBody,
} from '@tributary/contracts';
import { pageFor, recordFor } from '@tributary/demo-api';
import { defaultTransform, runTransform, type Transform, type TransformConfig } from '@tributary/transform';
import { describe, expect, it } from 'vitest';
import englishOnly from '../../../examples/english-only-transform.ts';

/**
 * One conformance suite for every transform the repository ships: whatever a transform does with a record, the
 * service's contract holds for what comes out (docs/architecture.md §2.4): deterministic ids and hashes,
 * chunk indexes that match positions, valid StoreMessages, the input left as it was.
 */
const transforms: { name: string; transform: Transform }[] = [
  { name: 'defaultTransform', transform: defaultTransform },
  { name: 'examples/english-only-transform', transform: englishOnly },
];

const config: TransformConfig = { chunking: { targetTokens: 120, maxTokens: 150, overlapTokens: 12 } };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function raw(url: string, body: string, contentType: string, compressAbove = 1 << 20): RawRecord {
  const bytes = Buffer.from(body);
  return {
    jobId: jobIdFor({ url }),
    url,
    finalUrl: url,
    status: 200,
    contentType,
    fetchedAt: '2026-03-04T05:06:07.000Z',
    durationMs: 1,
    bytes: bytes.byteLength,
    ...packBody(bytes, compressAbove),
    meta: { source: 'conformance' },
  };
}

const inputs: RawRecord[] = [
  raw('https://demo.example/pages/1', pageFor(1).html, 'text/html; charset=utf-8'),
  raw('https://demo.example/pages/2', pageFor(2, { paragraphs: 40 }).html, 'text/html', 4_096),
  raw('https://demo.example/records/3', JSON.stringify({ ...recordFor(3), lang: 'en' }), 'application/json'),
  raw('https://demo.example/records/4', JSON.stringify({ ...recordFor(4), lang: 'de' }), 'application/json'),
  raw('https://demo.example/notes.md', '# Notes\n\nShort and sweet.', 'text/markdown'),
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe.each(transforms)('transform conformance: $name', ({ transform }) => {
  it.each(inputs.map((input) => ({ url: input.url, input })))('$url', async ({ input }) => {
    const frozen = deepFreeze(structuredClone(input));
    const run = (at: string) =>
      runTransform(transform, frozen, { config, logger: silent, now: () => new Date(at) });
    const first = await run('2026-03-04T05:06:08.000Z');
    const again = await run('2026-03-04T05:06:09.000Z');
    expect(StoreMessageSchema.parse(first)).toEqual(first);
    if (first.kind !== 'documents' || again.kind !== 'documents') throw new Error('expected documents');
    // Deterministic: only the transform time differs.
    expect(again.documents.map((d) => ({ ...d, transformedAt: '' }))).toEqual(
      first.documents.map((d) => ({ ...d, transformedAt: '' })),
    );
    const hash = contentHash(unpackBody(input));
    expect(first.source).toMatchObject({ jobId: input.jobId, url: input.url, contentHash: hash });
    expect(first.source.chunkCount).toBe(first.documents.length);
    first.documents.forEach((document, i) => {
      expect(document).toMatchObject({
        _id: documentIdFor(input.jobId, i),
        jobId: input.jobId,
        sourceUrl: input.url,
        chunkIndex: i,
        chunkCount: first.documents.length,
        contentHash: hash,
        fetchedAt: input.fetchedAt,
      });
      expect(document.text.trim()).not.toBe('');
      expect(document.meta?.source).toBe('conformance');
    });
    expect(frozen).toEqual(input);
  });
});
