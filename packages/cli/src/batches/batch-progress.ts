import {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  type BatchRecord,
  type FoundJobRecord,
  type JobOutcome,
} from '@tributary/contracts';
import type { Db } from 'mongodb';

export interface DeadCount {
  stage: string;
  reason: string;
  count: number;
}

/** Where a batch stands: how many jobs it has, how they ended, and what is still in flight. */
export interface BatchProgress {
  batch: string;
  createdAt: string;
  /** False while the enqueue that creates it is still publishing: the total may still grow. */
  enqueued: boolean;
  /** Jobs enqueued and jobs found by discovery. */
  total: number;
  /** Of the total, the jobs found by discovery. */
  found: number;
  ended: number;
  stored: number;
  unchanged: number;
  dead: number;
  /** Jobs that only found others. */
  discovered: number;
  /** Chunks of the stored jobs' sources. */
  chunks: number;
  deadBy: DeadCount[];
  inFlight: number;
}

/** The progress of a batch, or undefined when no batch has that id. */
export async function readBatchProgress(db: Db, batch: string): Promise<BatchProgress | undefined> {
  const record = await db.collection<BatchRecord>(BATCH_COLLECTIONS.batches).findOne({ _id: batch });
  if (!record) return undefined;
  const jobs = db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
  const groups = await jobs
    .aggregate<{ _id: { outcome: JobOutcome; stage?: string; reason?: string }; count: number }>([
      { $match: { batch } },
      { $group: { _id: { outcome: '$outcome', stage: '$stage', reason: '$reason' }, count: { $sum: 1 } } },
    ])
    .toArray();
  // Chunks are summed apart, grouped by nothing: FerretDB 1.24 sums a field to 0 in a group with a key.
  const [stored] = await jobs
    .aggregate<{ chunks: number }>([
      { $match: { batch, outcome: 'stored' } },
      { $group: { _id: null, chunks: { $sum: '$chunkCount' } } },
    ])
    .toArray();
  // A found job is counted where it is recorded, once however often it was found (docs/architecture.md §17).
  const found = await db
    .collection<FoundJobRecord>(BATCH_COLLECTIONS.found)
    .countDocuments({ batch, depth: { $gt: 0 } });
  return progressOf(record, groups, stored?.chunks ?? 0, found);
}

/** Pure: the progress from the batch record and its jobs grouped by outcome (and stage and reason). */
export function progressOf(
  record: BatchRecord,
  groups: readonly { _id: { outcome: JobOutcome; stage?: string; reason?: string }; count: number }[],
  chunks: number,
  found = 0,
): BatchProgress {
  const progress: BatchProgress = {
    batch: record._id,
    createdAt: record.createdAt.toISOString(),
    enqueued: record.enqueuedAt !== undefined,
    total: record.total + found,
    found,
    ended: 0,
    stored: 0,
    unchanged: 0,
    dead: 0,
    discovered: 0,
    chunks,
    deadBy: [],
    inFlight: 0,
  };
  for (const group of groups) {
    progress.ended += group.count;
    progress[group._id.outcome] += group.count;
    if (group._id.outcome === 'dead') {
      progress.deadBy.push({
        stage: group._id.stage ?? 'unknown',
        reason: group._id.reason ?? 'unknown',
        count: group.count,
      });
    }
  }
  progress.deadBy.sort(
    (a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason),
  );
  // Outcomes can be recorded before the enqueue's running total catches up with them.
  progress.total = Math.max(progress.total, progress.ended);
  progress.inFlight = progress.total - progress.ended;
  return progress;
}

/** Done: every job of a fully enqueued batch has ended. */
export function isFinished(progress: BatchProgress): boolean {
  return progress.enqueued && progress.inFlight === 0;
}

/** The most recently created batches, newest first. */
export async function listBatches(db: Db, limit: number): Promise<BatchProgress[]> {
  const records = await db
    .collection<BatchRecord>(BATCH_COLLECTIONS.batches)
    .find({})
    .sort({ createdAt: -1 })
    .limit(limit)
    .toArray();
  const out: BatchProgress[] = [];
  for (const record of records) {
    const progress = await readBatchProgress(db, record._id);
    if (progress) out.push(progress);
  }
  return out;
}

/** The report a person reads. */
export function formatProgress(progress: BatchProgress): string {
  const lines = [
    `batch ${progress.batch} (created ${progress.createdAt}${progress.enqueued ? '' : ', still enqueuing'})`,
    `  jobs        ${progress.total}${progress.found > 0 ? ` (${progress.found} found by discovery)` : ''}`,
    `  stored      ${progress.stored} (${progress.chunks} chunks)`,
    `  unchanged   ${progress.unchanged}`,
    ...(progress.discovered > 0 ? [`  discovered  ${progress.discovered}`] : []),
    `  dead        ${progress.dead}`,
    ...progress.deadBy.map((d) => `    ${d.stage}/${d.reason}  ${d.count}`),
    `  in flight   ${progress.inFlight}`,
  ];
  return `${lines.join('\n')}\n`;
}
