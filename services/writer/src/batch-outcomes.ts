import type { BatchJobRecord, StoreMessage } from '@tributary/contracts';
import { batchJobId } from '@tributary/contracts';

/** How a message of a written batch ended, as far as its batch is concerned. */
export type EndedAs = 'stored' | 'unchanged' | 'not-ended';

/**
 * The batch records of the messages a flush wrote: a job whose documents were written (or skipped because the
 * store holds a newer fetch of its source: its source is stored) ended `stored`, with the chunk count; a
 * not-modified touch ended `unchanged`. Messages without a batch, and messages that went to the dead-letter
 * queue (recorded from there), have none.
 */
export function endedJobRecords(
  messages: readonly StoreMessage[],
  endings: readonly EndedAs[],
  now: Date,
): BatchJobRecord[] {
  const records: BatchJobRecord[] = [];
  messages.forEach((message, index) => {
    const ending = endings[index];
    const batch = message.source.batch;
    if (batch === undefined || ending === undefined || ending === 'not-ended') return;
    const record: BatchJobRecord = {
      _id: batchJobId(batch, message.source.jobId),
      batch,
      jobId: message.source.jobId,
      outcome: ending,
      endedAt: now,
    };
    if (ending === 'stored' && message.kind === 'documents') record.chunkCount = message.source.chunkCount;
    records.push(record);
  });
  // One record per job: a batch can carry two messages of one job (a redelivery beside its original).
  return [...new Map(records.map((record) => [record._id, record])).values()];
}
