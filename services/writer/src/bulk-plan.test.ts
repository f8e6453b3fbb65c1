import { documentIdFor, type StoreMessage } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { planWrite, type StoredSourceState, sourcesToRead } from './bulk-plan.ts';
import { documents } from './fixtures/store-messages.ts';
import type { DocumentsMessage } from './stored-records.ts';

const MAX = 16 * 1024 * 1024;

function notModified(jobId: string, fetchedAt: string): StoreMessage {
  return { kind: 'not-modified', source: { jobId, url: `https://example.com/${jobId}`, fetchedAt } };
}

const nothingStored = new Map<string, StoredSourceState>();

describe('planWrite', () => {
  it('inserts the chunks of a source it has no record of, as stored (dates as dates), and upserts the source record', () => {
    const message = documents('job-a', 2, '2026-01-01T00:00:00.000Z', { etag: '"v1"' });
    const plan = planWrite([message], nothingStored, { maxDocumentBytes: MAX });
    expect(plan.verdicts).toEqual([{ kind: 'write' }]);
    expect(plan.upserts).toEqual([]);
    expect(plan.inserts.map((op) => op.message)).toEqual([0, 0]);
    const [first] = plan.inserts;
    expect(first?.op).toEqual({
      insertOne: {
        document: {
          _id: documentIdFor('job-a', 0),
          jobId: 'job-a',
          sourceUrl: 'https://example.com/job-a',
          text: 'chunk 0 of job-a',
          chunkIndex: 0,
          chunkCount: 2,
          contentHash: 'hash-2026-01-01T00:00:00.000Z',
          tokenCount: 4,
          fetchedAt: new Date('2026-01-01T00:00:00.000Z'),
          transformedAt: new Date('2026-01-01T00:00:01.000Z'),
        },
      },
    });
    // Should a chunk exist after all (a crash before the record was written), its removal runs too.
    expect(plan.staleChunksIfPresent).toEqual([
      { message: 0, op: { deleteMany: { filter: { jobId: 'job-a', chunkIndex: { $gte: 2 } } } } },
    ]);
    expect(plan.staleChunks).toEqual([]);
    expect(plan.sources).toEqual([]);
    const record = {
      _id: 'job-a',
      url: 'https://example.com/job-a',
      status: 200,
      contentHash: 'hash-2026-01-01T00:00:00.000Z',
      chunkCount: 2,
      contentFetchedAt: new Date('2026-01-01T00:00:00.000Z'),
      lastFetchedAt: new Date('2026-01-01T00:00:00.000Z'),
      etag: '"v1"',
    };
    expect(plan.sourceInserts).toEqual([
      {
        message: 0,
        op: { insertOne: { document: record } },
        fallback: {
          updateOne: {
            filter: { _id: 'job-a' },
            update: {
              $set: {
                url: record.url,
                status: 200,
                contentHash: record.contentHash,
                chunkCount: 2,
                contentFetchedAt: record.contentFetchedAt,
                etag: '"v1"',
              },
              $unset: { lastModified: '' },
              $max: { lastFetchedAt: record.lastFetchedAt },
            },
            upsert: true,
          },
        },
      },
    ]);
  });

  it('upserts the chunks and the record of a known source by their _id', () => {
    const stored = new Map([['job-a', { chunkCount: 2, contentFetchedAt: new Date('2025-12-01') }]]);
    const plan = planWrite([documents('job-a', 2)], stored, { maxDocumentBytes: MAX });
    expect(plan.inserts).toEqual([]);
    expect(plan.sourceInserts).toEqual([]);
    expect(plan.sources.map((op) => op.op)).toEqual([
      { updateOne: expect.objectContaining({ filter: { _id: 'job-a' }, upsert: true }) },
    ]);
    expect(plan.staleChunksIfPresent).toEqual([]);
    expect(plan.upserts.map((op) => op.op)).toEqual(
      [0, 1].map((i) => ({
        replaceOne: {
          filter: { _id: documentIdFor('job-a', i) },
          replacement: expect.objectContaining({ _id: documentIdFor('job-a', i), chunkIndex: i }),
          upsert: true,
        },
      })),
    );
  });

  it('keeps optional fields absent, never null', () => {
    const message = documents('job-a', 1);
    const withExtras: DocumentsMessage = {
      ...message,
      documents: message.documents.map((d) => ({ ...d, title: 'T', meta: { lang: 'en' } })),
    };
    const plain = planWrite([message], nothingStored, { maxDocumentBytes: MAX }).inserts[0]?.op;
    const rich = planWrite([withExtras], nothingStored, { maxDocumentBytes: MAX }).inserts[0]?.op;
    expect(plain && 'insertOne' in plain ? Object.keys(plain.insertOne.document) : []).not.toContain('title');
    expect(rich && 'insertOne' in rich ? rich.insertOne.document : {}).toMatchObject({
      title: 'T',
      meta: { lang: 'en' },
    });
  });

  it('removes the chunks from chunkCount on when the stored source had more', () => {
    const stored = new Map([['job-a', { chunkCount: 5, contentFetchedAt: new Date('2025-12-01') }]]);
    const plan = planWrite([documents('job-a', 2)], stored, { maxDocumentBytes: MAX });
    expect(plan.staleChunks).toEqual([
      { message: 0, op: { deleteMany: { filter: { jobId: 'job-a', chunkIndex: { $gte: 2 } } } } },
    ]);
    const grown = planWrite([documents('job-a', 7)], stored, { maxDocumentBytes: MAX });
    expect(grown.staleChunks).toEqual([]);
  });

  it('removes every chunk when a source comes back empty', () => {
    const stored = new Map([['job-a', { chunkCount: 3, contentFetchedAt: new Date('2025-12-01') }]]);
    const plan = planWrite([documents('job-a', 0)], stored, { maxDocumentBytes: MAX });
    expect(plan.upserts).toEqual([]);
    expect(plan.staleChunks[0]?.op).toEqual({
      deleteMany: { filter: { jobId: 'job-a', chunkIndex: { $gte: 0 } } },
    });
    expect(plan.sources).toHaveLength(1);
  });

  it('skips a message older than the stored fetch, and writes a replay of the same fetch', () => {
    const stored = new Map([
      ['job-a', { chunkCount: 2, contentFetchedAt: new Date('2026-01-01T00:00:00Z') }],
    ]);
    const older = planWrite([documents('job-a', 5, '2025-12-31T23:59:59.000Z')], stored, {
      maxDocumentBytes: MAX,
    });
    expect(older.verdicts).toEqual([{ kind: 'skip', reason: 'older-than-stored' }]);
    expect([
      ...older.inserts,
      ...older.upserts,
      ...older.staleChunks,
      ...older.sourceInserts,
      ...older.sources,
    ]).toEqual([]);
    const replay = planWrite([documents('job-a', 2, '2026-01-01T00:00:00.000Z')], stored, {
      maxDocumentBytes: MAX,
    });
    expect(replay.verdicts).toEqual([{ kind: 'write' }]);
  });

  it('writes only the newest of several messages for one source in a batch, whatever their order', () => {
    const newer = documents('job-a', 2, '2026-01-02T00:00:00.000Z');
    const older = documents('job-a', 4, '2026-01-01T00:00:00.000Z');
    for (const batch of [
      [newer, older],
      [older, newer],
    ]) {
      const plan = planWrite(batch, nothingStored, { maxDocumentBytes: MAX });
      const winner = batch.indexOf(newer);
      expect(plan.verdicts[winner]).toEqual({ kind: 'write' });
      expect(plan.verdicts[1 - winner]).toEqual({ kind: 'skip', reason: 'superseded' });
      expect(new Set(plan.inserts.map((op) => op.message))).toEqual(new Set([winner]));
      expect(plan.sourceInserts.map((op) => op.message)).toEqual([winner]);
    }
    const tie = planWrite([older, { ...older }], nothingStored, { maxDocumentBytes: MAX });
    expect(tie.verdicts.map((v) => v.kind)).toEqual(['skip', 'write']);
  });

  it('turns a not-modified into a $max of lastFetchedAt on an existing record, never an insert', () => {
    const plan = planWrite([notModified('job-a', '2026-02-01T00:00:00.000Z')], nothingStored, {
      maxDocumentBytes: MAX,
    });
    expect(plan.verdicts).toEqual([{ kind: 'touch' }]);
    expect([...plan.inserts, ...plan.upserts]).toEqual([]);
    expect(plan.sources).toEqual([
      {
        message: 0,
        op: {
          updateOne: {
            filter: { _id: 'job-a' },
            update: { $max: { lastFetchedAt: new Date('2026-02-01T00:00:00.000Z') } },
          },
        },
      },
    ]);
  });

  it('refuses a message with a chunk too large for the server, writing none of its chunks', () => {
    const message = documents('job-big', 3);
    const huge: DocumentsMessage = {
      ...message,
      documents: message.documents.map((d) => (d.chunkIndex === 1 ? { ...d, text: 'x'.repeat(2_000) } : d)),
    };
    const plan = planWrite([documents('job-ok', 1), huge], nothingStored, { maxDocumentBytes: 1_000 });
    expect(plan.verdicts[0]).toEqual({ kind: 'write' });
    expect(plan.verdicts[1]).toMatchObject({ kind: 'dead', reason: 'document-refused' });
    expect(plan.verdicts[1]?.kind === 'dead' && plan.verdicts[1].message).toMatch(
      /chunk 1 .* bytes as BSON; the server accepts documents below 1000 bytes/,
    );
    expect(plan.inserts.every((op) => op.message === 0)).toBe(true);
    expect(plan.sourceInserts.map((op) => op.message)).toEqual([0]);
  });

  it.each([
    [
      'a chunk count that does not match the documents',
      (m: DocumentsMessage) => m.documents.pop(),
      /carries 2 documents/,
    ],
    [
      'a document of another job',
      (m: DocumentsMessage) => {
        const d = m.documents[0];
        if (d) d.jobId = 'other';
      },
      /jobId other/,
    ],
    [
      'an id that is not deterministic',
      (m: DocumentsMessage) => {
        const d = m.documents[1];
        if (d) d._id = 'random';
      },
      /documentIdFor/,
    ],
    [
      'a chunk index twice',
      (m: DocumentsMessage) => {
        const d = m.documents[1];
        if (d) d.chunkIndex = 0;
      },
      /appears twice/,
    ],
  ])('dead-letters a message with %s as invalid-message', (_name, corrupt, why) => {
    const message = documents('job-a', 3);
    corrupt(message);
    const plan = planWrite([message], nothingStored, { maxDocumentBytes: MAX });
    expect(plan.verdicts[0]).toMatchObject({ kind: 'dead', reason: 'invalid-message' });
    expect(plan.verdicts[0]?.kind === 'dead' && plan.verdicts[0].message).toMatch(why);
    expect([...plan.inserts, ...plan.upserts, ...plan.sourceInserts, ...plan.sources]).toEqual([]);
  });

  it('reads the stored state of documents messages only', () => {
    expect(
      sourcesToRead([documents('a', 1), notModified('b', '2026-01-01T00:00:00Z'), documents('a', 2)]),
    ).toEqual(['a']);
  });
});
