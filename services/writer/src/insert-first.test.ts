import type { StoreMessage } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { type PlannedOp, planWrite, type StoredSourceState } from './bulk-plan.ts';
import { documents } from './fixtures/store-messages.ts';
import { jobIdsOf, remainingPlan, unsettledMessages } from './insert-first.ts';

const MAX = 16 * 1024 * 1024;
const JAN_1 = '2026-01-01T00:00:00.000Z';
const JAN_2 = '2026-01-02T00:00:00.000Z';

function notModified(jobId: string): StoreMessage {
  return { kind: 'not-modified', source: { jobId, url: `https://example.com/${jobId}`, fetchedAt: JAN_2 } };
}

const stateOf = (chunkCount: number, fetchedAt: string): StoredSourceState => ({
  chunkCount,
  contentFetchedAt: new Date(fetchedAt),
});

/** The messages each phase's operations belong to, and what the operation is. */
const shape = <S extends object>(ops: PlannedOp<S>[]) =>
  ops.map((op) => [op.message, Object.keys(op.op)[0]] as const);

describe('unsettledMessages', () => {
  it('settles a message whose chunks all went in; not one with a failed chunk insert, nor one without chunks', () => {
    const messages = [documents('new', 3), documents('known', 2), documents('empty', 0)];
    const plan = planWrite(messages, new Map(), { maxDocumentBytes: MAX });
    expect([...unsettledMessages(messages, plan.verdicts, new Set([1]))]).toEqual([1, 2]);
  });

  it('never names a touch, a superseded message or a dead one: none of them has chunks to write', () => {
    const broken = documents('broken', 2);
    broken.documents.pop();
    const messages = [notModified('a'), documents('b', 2, JAN_1), documents('b', 2, JAN_2), broken];
    const plan = planWrite(messages, new Map(), { maxDocumentBytes: MAX });
    expect(plan.verdicts.map((v) => v.kind)).toEqual(['touch', 'skip', 'write', 'dead']);
    expect([...unsettledMessages(messages, plan.verdicts, new Set([0, 1, 3]))]).toEqual([]);
  });

  it('reads each unsettled source once', () => {
    const messages = [documents('a', 1), notModified('a'), documents('b', 1)];
    expect(jobIdsOf(messages, new Set([0, 1, 2]))).toEqual(['a', 'b']);
  });
});

describe('remainingPlan', () => {
  it('leaves nothing of settled messages but every touch', () => {
    const messages = [documents('new', 3), notModified('other')];
    const exact = planWrite(messages, new Map(), { maxDocumentBytes: MAX });
    const rest = remainingPlan(messages, exact, new Map(), new Set(), new Set());
    expect(rest.verdicts.map((v) => v.kind)).toEqual(['write', 'touch']);
    expect([...rest.inserts, ...rest.upserts, ...rest.staleChunks, ...rest.staleChunksIfPresent]).toEqual([]);
    expect(rest.sourceInserts).toEqual([]);
    expect(shape(rest.sources)).toEqual([[1, 'updateOne']]);
  });

  it('writes a known source that shrank as the read-first way does: upserts, removal, then its record', () => {
    const messages = [documents('new', 3), documents('known', 2)];
    const stored = new Map([['known', stateOf(5, JAN_1)]]);
    const exact = planWrite(messages, stored, { maxDocumentBytes: MAX });
    const rest = remainingPlan(messages, exact, stored, new Set([1]), new Set());
    expect(shape(rest.upserts)).toEqual([
      [1, 'replaceOne'],
      [1, 'replaceOne'],
    ]);
    expect(rest.inserts).toEqual([]);
    expect(rest.staleChunks.map((op) => op.op)).toEqual([
      { deleteMany: { filter: { jobId: 'known', chunkIndex: { $gte: 2 } } } },
    ]);
    expect(shape(rest.sources)).toEqual([[1, 'updateOne']]);
  });

  it('inserts, with fallbacks, the chunks of a source whose chunks exist without a record (a crashed write)', () => {
    const messages = [documents('crashed', 2)];
    const exact = planWrite(messages, new Map(), { maxDocumentBytes: MAX });
    const rest = remainingPlan(messages, exact, new Map(), new Set([0]), new Set());
    expect(rest.inserts.map((op) => Object.keys(op.fallback ?? {}))).toEqual([
      ['replaceOne'],
      ['replaceOne'],
    ]);
    expect(rest.staleChunksIfPresent.map((op) => op.op)).toEqual([
      { deleteMany: { filter: { jobId: 'crashed', chunkIndex: { $gte: 2 } } } },
    ]);
    expect(shape(rest.sourceInserts)).toEqual([[0, 'insertOne']]);
  });

  it('does not write again the chunks that all went in when only the record existed', () => {
    const messages = [documents('was-empty', 3)];
    const stored = new Map([['was-empty', stateOf(0, JAN_1)]]);
    const exact = planWrite(messages, stored, { maxDocumentBytes: MAX });
    const rest = remainingPlan(messages, exact, stored, new Set([0]), new Set([0]));
    expect([...rest.inserts, ...rest.upserts, ...rest.staleChunks]).toEqual([]);
    expect(shape(rest.sources)).toEqual([[0, 'updateOne']]);
  });

  it.each([
    { what: 'more chunks than stored: removes them from the stored count on', chunks: 6, removal: 2 },
    { what: 'as many chunks as stored: removes nothing', chunks: 2, removal: undefined },
    { what: 'fewer chunks than stored: removes nothing', chunks: 1, removal: undefined },
  ])('a message older than the stored content, with $what', ({ chunks, removal }) => {
    const messages = [documents('late', chunks, JAN_1)];
    const stored = new Map([['late', stateOf(2, JAN_2)]]);
    const exact = planWrite(messages, stored, { maxDocumentBytes: MAX });
    const rest = remainingPlan(messages, exact, stored, new Set([0]), new Set());
    expect(rest.verdicts).toEqual([{ kind: 'skip', reason: 'older-than-stored' }]);
    expect([...rest.inserts, ...rest.upserts, ...rest.sources, ...rest.sourceInserts]).toEqual([]);
    expect(rest.staleChunks.map((op) => op.op)).toEqual(
      removal === undefined
        ? []
        : [{ deleteMany: { filter: { jobId: 'late', chunkIndex: { $gte: removal } } } }],
    );
  });
});
