import { BATCH_COLLECTIONS, type BatchJobRecord, batchJobId, type Stage } from '@tributary/contracts';
import { insertNew, readByIds } from '@tributary/core';
import type { Collection, Db } from 'mongodb';
import { ensureIndexes, type IndexSpec } from './document-indexes.ts';

const BATCH_JOB_INDEXES: readonly IndexSpec[] = [
  { key: { batch: 1, outcome: 1 }, name: 'batch_1_outcome_1' },
];

export interface BatchRecordsOptions {
  /** Jobs recorded before read one by one up to this many, else in one `$in` (see read-by-ids.ts). */
  readByIdUpTo?: number;
  /** Hears of jobs recorded for the first time, by outcome: the batches' progress, as a metric counts it. */
  onEnded?: (outcome: BatchJobRecord['outcome'], jobs: number) => void;
}

/**
 * Records how jobs of a batch ended, exactly once per (batch, job) however often a message is redelivered,
 * retried or replayed: records are inserted, and an insert that finds the record there already changes
 * nothing, except that `stored` or `unchanged` replaces `dead` (a dead job replayed and then stored counts as
 * stored, not both). Inserts, because on FerretDB an insert costs the same however large the collection is.
 *
 * Of the jobs recorded before, those that ended `dead` are found with one read by `_id` and only they are
 * updated: on FerretDB an update scans the collection, however selective its filter, so one update for each
 * job recorded before (every job of a redelivered batch) would cost a pass over every batch record each.
 */
export class BatchRecords {
  readonly #jobs: Collection<BatchJobRecord>;
  readonly #readByIdUpTo: number;
  readonly #onEnded: ((outcome: BatchJobRecord['outcome'], jobs: number) => void) | undefined;

  constructor(db: Db, options: BatchRecordsOptions = {}) {
    this.#jobs = db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
    this.#readByIdUpTo = options.readByIdUpTo ?? 0;
    this.#onEnded = options.onEnded;
  }

  /** The index `tributary batch status` reads by, created alone when missing (see document-indexes.ts). */
  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.#jobs, BATCH_JOB_INDEXES);
  }

  /** Records jobs that ended stored or unchanged. */
  async recordEnded(records: readonly BatchJobRecord[]): Promise<void> {
    const existing = await this.#insert(records);
    for (const record of records) {
      if (!existing.has(record._id)) this.#onEnded?.(record.outcome, 1);
    }
    if (existing.size === 0) return;
    const recorded = await readByIds(this.#jobs, [...existing], {
      projection: { outcome: 1 },
      oneByOneUpTo: this.#readByIdUpTo,
    });
    const byId = new Map(records.map((record) => [record._id, record]));
    for (const found of recorded) {
      const record = byId.get(found._id);
      // Only a dead record gives way. A record that is not dead now never will be: a dead end is only inserted.
      if (record && found.outcome === 'dead') {
        await this.#jobs.updateOne({ _id: record._id, outcome: 'dead' }, { $set: { ...record } });
      }
    }
  }

  /** Records a job that was dead-lettered; a job already recorded keeps its record. */
  async recordDead(job: {
    batch: string;
    jobId: string;
    stage: Stage | 'unknown';
    reason: string;
  }): Promise<void> {
    const record: BatchJobRecord = {
      _id: batchJobId(job.batch, job.jobId),
      batch: job.batch,
      jobId: job.jobId,
      outcome: 'dead',
      stage: job.stage,
      reason: job.reason,
      endedAt: new Date(),
    };
    const existing = await this.#insert([record]);
    if (!existing.has(record._id)) this.#onEnded?.('dead', 1);
  }

  /** Inserts the records; returns the ids that were there already. */
  #insert(records: readonly BatchJobRecord[]): Promise<Set<string>> {
    // Taken for a record, an insert acknowledged but not made would leave its job in flight for ever.
    return insertNew(this.#jobs, records, 'batch records');
  }
}
