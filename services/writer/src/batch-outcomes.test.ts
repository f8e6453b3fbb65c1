import type { StoreMessage } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { endedJobRecords } from './batch-outcomes.ts';

const now = new Date('2026-01-01T00:00:00Z');
const fetchedAt = '2026-01-01T00:00:00.000Z';

function documents(jobId: string, chunkCount: number, batch?: string): StoreMessage {
  return {
    kind: 'documents',
    source: {
      jobId,
      url: `https://a.test/${jobId}`,
      status: 200,
      contentHash: 'h',
      chunkCount,
      fetchedAt,
      ...(batch ? { batch } : {}),
    },
    documents: [],
  };
}

describe('endedJobRecords', () => {
  it('records stored jobs with their chunk count and touched ones as unchanged, once per job', () => {
    const touch: StoreMessage = {
      kind: 'not-modified',
      source: { jobId: 'j3', url: 'https://a.test/j3', fetchedAt, batch: 'b' },
    };
    const records = endedJobRecords(
      [documents('j1', 4, 'b'), documents('j2', 2, 'b'), touch, documents('j1', 4, 'b')],
      ['stored', 'stored', 'unchanged', 'stored'],
      now,
    );
    expect(records).toEqual([
      { _id: 'b/j1', batch: 'b', jobId: 'j1', outcome: 'stored', chunkCount: 4, endedAt: now },
      { _id: 'b/j2', batch: 'b', jobId: 'j2', outcome: 'stored', chunkCount: 2, endedAt: now },
      { _id: 'b/j3', batch: 'b', jobId: 'j3', outcome: 'unchanged', endedAt: now },
    ]);
  });

  it('records nothing for a message without a batch, or one that has not ended here (dead-lettered)', () => {
    expect(
      endedJobRecords([documents('j1', 1), documents('j2', 1, 'b')], ['stored', 'not-ended'], now),
    ).toEqual([]);
  });
});
