import { type Db, MongoBulkWriteError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { BatchRecords } from './batch-records.ts';

function recordsOn(insertedCount: number): BatchRecords {
  const jobs = { insertMany: async () => ({ insertedCount, acknowledged: true, insertedIds: {} }) };
  return new BatchRecords({ collection: () => jobs } as unknown as Db);
}

describe('BatchRecords', () => {
  it('fails when the database acknowledges fewer inserts than it was given, so the record is written again', async () => {
    const job = { batch: 'b', jobId: 'j', stage: 'fetch' as const, reason: 'http-4xx' };
    await expect(recordsOn(0).recordDead(job)).rejects.toThrow(
      /acknowledged 0 of 1 batch records without an error/,
    );
    await expect(recordsOn(1).recordDead(job)).resolves.toBeUndefined();
  });

  it('tells of each job the first time its end is recorded, not when it was recorded before', async () => {
    const seen = new Set<string>();
    // A collection that refuses a second insert of an id as MongoDB does, with a duplicate-key write error.
    const jobs = {
      insertMany: async (docs: { _id: string }[]) => {
        const fresh = docs.filter((d) => !seen.has(d._id));
        for (const d of fresh) seen.add(d._id);
        if (fresh.length === docs.length)
          return { insertedCount: docs.length, acknowledged: true, insertedIds: {} };
        const writeErrors = docs.flatMap((d, index) => (fresh.includes(d) ? [] : [{ code: 11000, index }]));
        throw Object.create(MongoBulkWriteError.prototype, {
          writeErrors: { value: writeErrors },
          insertedCount: { value: fresh.length },
        });
      },
      find: () => ({ toArray: async () => [] }),
      updateOne: async () => ({ matchedCount: 0 }),
    };
    const ended: [string, number][] = [];
    const records = new BatchRecords({ collection: () => jobs } as unknown as Db, {
      onEnded: (outcome, n) => ended.push([outcome, n]),
    });
    const stored = {
      _id: 'b:j1',
      batch: 'b',
      jobId: 'j1',
      outcome: 'stored' as const,
      chunks: 2,
      endedAt: new Date(),
    };
    await records.recordEnded([stored]);
    await records.recordEnded([stored]);
    await records.recordDead({ batch: 'b', jobId: 'j2', stage: 'fetch', reason: 'http-4xx' });
    await records.recordDead({ batch: 'b', jobId: 'j2', stage: 'fetch', reason: 'http-4xx' });
    expect(ended).toEqual([
      ['stored', 1],
      ['dead', 1],
    ]);
  });

  it('reads the jobs recorded before in one query, and replaces only those that ended dead', async () => {
    const stored = new Map<string, { _id: string; outcome: string }>([
      ['b/dead', { _id: 'b/dead', outcome: 'dead' }],
      ...Array.from({ length: 30 }, (_, i): [string, { _id: string; outcome: string }] => [
        `b/j${i}`,
        { _id: `b/j${i}`, outcome: 'stored' },
      ]),
    ]);
    const reads: unknown[] = [];
    const updated: string[] = [];
    const jobs = {
      insertMany: async (docs: { _id: string }[]) => {
        const writeErrors = docs.flatMap((d, index) => (stored.has(d._id) ? [{ code: 11000, index }] : []));
        for (const d of docs) if (!stored.has(d._id)) stored.set(d._id, { _id: d._id, outcome: 'stored' });
        throw Object.create(MongoBulkWriteError.prototype, {
          writeErrors: { value: writeErrors },
          insertedCount: { value: docs.length - writeErrors.length },
        });
      },
      find: (filter: { _id: { $in: string[] } }) => {
        reads.push(filter);
        return { toArray: async () => filter._id.$in.flatMap((id) => stored.get(id) ?? []) };
      },
      findOne: async () => {
        throw new Error('read one by one');
      },
      updateOne: async (filter: { _id: string; outcome: string }) => {
        updated.push(filter._id);
        return { matchedCount: 1 };
      },
    };
    const records = new BatchRecords({ collection: () => jobs } as unknown as Db, { readByIdUpTo: 16 });
    const ended = (jobId: string) => ({
      _id: `b/${jobId}`,
      batch: 'b',
      jobId,
      outcome: 'stored' as const,
      chunkCount: 1,
      endedAt: new Date(),
    });
    await records.recordEnded(['dead', 'new', ...Array.from({ length: 30 }, (_, i) => `j${i}`)].map(ended));
    expect(reads).toHaveLength(1);
    expect(updated).toEqual(['b/dead']);
  });
});
