import type { Db } from 'mongodb';
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
});
