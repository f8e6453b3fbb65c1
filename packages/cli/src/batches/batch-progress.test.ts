import { describe, expect, it } from 'vitest';
import { formatProgress, isFinished, progressOf } from './batch-progress.ts';

const record = { _id: 'b1', createdAt: new Date('2026-01-01T00:00:00Z'), total: 10, enqueuedAt: new Date() };

describe('batch progress', () => {
  it('sums the outcomes, chunks of stored jobs, dead by stage and reason, and what is in flight', () => {
    const progress = progressOf(
      record,
      [
        { _id: { outcome: 'stored' }, count: 5 },
        { _id: { outcome: 'unchanged' }, count: 1 },
        { _id: { outcome: 'dead', stage: 'fetch', reason: 'http-4xx' }, count: 2 },
        { _id: { outcome: 'dead', stage: 'transform', reason: 'delivery-limit' }, count: 1 },
      ],
      12,
    );
    expect(progress).toMatchObject({
      total: 10,
      ended: 9,
      stored: 5,
      unchanged: 1,
      dead: 3,
      chunks: 12,
      inFlight: 1,
      deadBy: [
        { stage: 'fetch', reason: 'http-4xx', count: 2 },
        { stage: 'transform', reason: 'delivery-limit', count: 1 },
      ],
    });
    expect(isFinished(progress)).toBe(false);
    expect(formatProgress(progress)).toContain('fetch/http-4xx  2');
  });

  it('is finished only once enqueued and nothing is in flight', () => {
    const all = [{ _id: { outcome: 'stored' as const }, count: 10 }];
    expect(isFinished(progressOf(record, all, 10))).toBe(true);
    const { enqueuedAt: _, ...stillEnqueuing } = record;
    expect(isFinished(progressOf(stillEnqueuing, all, 10))).toBe(false);
  });

  it('never shows a negative in-flight count when outcomes arrive before the total grows', () => {
    const progress = progressOf({ ...record, total: 2 }, [{ _id: { outcome: 'stored' }, count: 3 }], 3);
    expect(progress).toMatchObject({ total: 3, inFlight: 0 });
  });

  it('counts jobs found by discovery in the total, and jobs that only discovered among the ended', () => {
    const progress = progressOf(
      record,
      [
        { _id: { outcome: 'stored' }, count: 30 },
        { _id: { outcome: 'discovered' }, count: 4 },
      ],
      60,
      25,
    );
    expect(progress).toMatchObject({ total: 35, found: 25, ended: 34, discovered: 4, inFlight: 1 });
    expect(formatProgress(progress)).toContain('35 (25 found by discovery)');
    expect(formatProgress(progress)).toContain('discovered  4');
  });
});
