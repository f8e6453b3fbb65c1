import { describe, expect, it } from 'vitest';
import { DOCUMENT_INDEXES, type ListedIndex, missingIndexes } from './document-indexes.ts';
import { IndexConflictError } from './errors.ts';

const ID_INDEX: ListedIndex = { name: '_id_', key: { _id: 1 } };
const listed = (names: readonly string[]): ListedIndex[] => [
  ID_INDEX,
  ...DOCUMENT_INDEXES.filter((index) => names.includes(index.name)).map((index) => ({
    v: 2,
    name: index.name,
    key: { ...index.key },
  })),
];
const names = (existing: readonly ListedIndex[]) => missingIndexes(existing).map((index) => index.name);

describe('missingIndexes', () => {
  it.each([
    {
      what: 'a collection that does not exist yet: every index',
      existing: [],
      missing: ['jobId_1_chunkIndex_1', 'contentHash_1', 'sourceUrl_1', 'transformedAt_1'],
    },
    {
      what: 'a new collection with only the _id index: every index',
      existing: [ID_INDEX],
      missing: ['jobId_1_chunkIndex_1', 'contentHash_1', 'sourceUrl_1', 'transformedAt_1'],
    },
    {
      what: 'an initialised collection (a restart): none',
      existing: listed(['jobId_1_chunkIndex_1', 'contentHash_1', 'sourceUrl_1', 'transformedAt_1']),
      missing: [],
    },
    {
      what: 'a start interrupted after two indexes: the other two, in order',
      existing: listed(['jobId_1_chunkIndex_1', 'sourceUrl_1']),
      missing: ['contentHash_1', 'transformedAt_1'],
    },
    {
      what: 'an index on the same keys under another name: not created again',
      existing: [ID_INDEX, { name: 'by_hash', key: { contentHash: 1 } }],
      missing: ['jobId_1_chunkIndex_1', 'sourceUrl_1', 'transformedAt_1'],
    },
    {
      what: 'the same fields in another order: a different index',
      existing: [ID_INDEX, { name: 'chunk_job', key: { chunkIndex: 1, jobId: 1 } }],
      missing: ['jobId_1_chunkIndex_1', 'contentHash_1', 'sourceUrl_1', 'transformedAt_1'],
    },
  ])('$what', ({ existing, missing }) => {
    expect(names(existing)).toEqual(missing);
  });

  it('takes a key direction the server sends as a double for the same index', () => {
    expect(names([{ name: 'contentHash_1', key: { contentHash: 1.0 } }])).not.toContain('contentHash_1');
  });

  it('refuses an index of a wanted name on other keys, naming both key patterns', () => {
    const existing = [ID_INDEX, { name: 'sourceUrl_1', key: { sourceUrl: -1 } }];
    expect(() => missingIndexes(existing)).toThrow(IndexConflictError);
    expect(() => missingIndexes(existing)).toThrow(
      'index sourceUrl_1 exists with key { sourceUrl: -1 }; the writer needs it on { sourceUrl: 1 }',
    );
  });
});
