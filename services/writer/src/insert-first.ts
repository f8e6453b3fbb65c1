import type { StoreMessage } from '@tributary/contracts';
import type { PlannedOp, StoredSourceState, Verdict, WritePlan } from './bulk-plan.ts';
import type { StoredDocument } from './stored-records.ts';

/**
 * The insert-first way of writing a batch, for servers on which every read of a stored source costs a scan of
 * the collection (FerretDB 1.x on SQLite: see the MongoStore class comment), so that storing a source nobody
 * has seen costs the same however many sources the store holds.
 *
 * 1. The batch is planned as if the store held none of its sources, and the chunks of every `write` message
 *    are inserted (no upsert fallback yet). A message is *settled* when all of its chunk inserts went in: none
 *    of its chunks existed, so the store has no record of its source either, because a source record is
 *    written only after its chunks, and chunk 0 is removed only by content without chunks.
 * 2. The records of settled messages are inserted. One that exists after all (another writer, or a crash
 *    that removed chunk 0 before the record of chunk-less content was written) unsettles its message.
 * 3. Only the unsettled messages' sources are read, and the batch is planned again with their stored state:
 *    what is left of that plan ({@link remainingPlan}) is written as the read-first way writes a batch.
 *
 * Inserting before reading means the chunks of a message older than the stored content can go in before its
 * source's state is known: the ones with an index at or above the stored chunk count, which the stored
 * content does not have. {@link remainingPlan} removes them again (and on a redelivery after a crash, too).
 */

/** The messages step 1 did not settle: `write` verdicts with a failed chunk insert, or without chunks. */
export function unsettledMessages(
  messages: readonly StoreMessage[],
  verdicts: readonly Verdict[],
  failedInserts: ReadonlySet<number>,
): Set<number> {
  const unsettled = new Set<number>();
  messages.forEach((message, index) => {
    if (verdicts[index]?.kind !== 'write' || message.kind !== 'documents') return;
    if (message.documents.length === 0 || failedInserts.has(index)) unsettled.add(index);
  });
  return unsettled;
}

/** The job ids to read: those of the unsettled messages. */
export function jobIdsOf(messages: readonly StoreMessage[], indexes: ReadonlySet<number>): string[] {
  return [...new Set([...indexes].flatMap((index) => messages[index]?.source.jobId ?? []))];
}

/**
 * Step 3: the operations of `exact` (the batch planned with the unsettled sources' stored state) that are
 * still to do. Its verdicts are the batch's verdicts: for a settled message they equal the first plan's, since
 * nothing was read of its source.
 *
 * - chunks, removals and records of unsettled messages; not the chunks of a message whose chunks all went in
 *   at step 1 (`chunksWritten`: its record existed), which are its content already;
 * - every not-modified touch;
 * - for an unsettled message skipped as older than the stored content, with more chunks than that content:
 *   the removal of its source's chunks from the stored chunk count on (what step 1 inserted of it).
 */
export function remainingPlan(
  messages: readonly StoreMessage[],
  exact: WritePlan,
  stored: ReadonlyMap<string, StoredSourceState>,
  unsettled: ReadonlySet<number>,
  chunksWritten: ReadonlySet<number>,
): WritePlan {
  const of = <S extends object>(ops: PlannedOp<S>[]) => ops.filter((op) => unsettled.has(op.message));
  const chunks = (ops: PlannedOp<StoredDocument>[]) => of(ops).filter((op) => !chunksWritten.has(op.message));
  const orphans: PlannedOp<StoredDocument>[] = [];
  for (const index of unsettled) {
    const message = messages[index];
    const verdict = exact.verdicts[index];
    if (message?.kind !== 'documents' || verdict?.kind !== 'skip') continue;
    const state = stored.get(message.source.jobId);
    if (!state || message.source.chunkCount <= state.chunkCount) continue;
    orphans.push({
      message: index,
      op: {
        deleteMany: { filter: { jobId: message.source.jobId, chunkIndex: { $gte: state.chunkCount } } },
      },
    });
  }
  return {
    verdicts: exact.verdicts,
    inserts: chunks(exact.inserts),
    upserts: chunks(exact.upserts),
    staleChunks: [...of(exact.staleChunks), ...orphans],
    staleChunksIfPresent: of(exact.staleChunksIfPresent),
    sourceInserts: of(exact.sourceInserts),
    sources: exact.sources.filter(
      (op) => unsettled.has(op.message) || exact.verdicts[op.message]?.kind === 'touch',
    ),
  };
}
