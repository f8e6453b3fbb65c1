import { BATCH_COLLECTIONS, type BatchJobRecord, batchJobId, type Stage } from '@tributary/contracts';
import { type Collection, type Db, MongoBulkWriteError } from 'mongodb';
import { ensureIndexes, type IndexSpec } from './document-indexes.ts';
import { IncompleteWriteError } from './store-failures.ts';

const DUPLICATE_KEY = 11000;
const BATCH_JOB_INDEXES: readonly IndexSpec[] = [
  { key: { batch: 1, outcome: 1 }, name: 'batch_1_outcome_1' },
];

/**
 * Records how jobs of a batch ended, exactly once per (batch, job) however often a message is redelivered,
 * retried or replayed: records are inserted, and an insert that finds the record there already changes
 * nothing, except that `stored` or `unchanged` replaces `dead` (a dead job replayed and then stored counts as
 * stored, not both). Inserts, because on FerretDB an insert costs the same however large the collection is.
 */
export class BatchRecords {
  readonly #jobs: Collection<BatchJobRecord>;

  constructor(db: Db) {
    this.#jobs = db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
  }

  /** The index `tributary batch status` reads by, created alone when missing (see document-indexes.ts). */
  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.#jobs, BATCH_JOB_INDEXES);
  }

  /** Records jobs that ended stored or unchanged. */
  async recordEnded(records: readonly BatchJobRecord[]): Promise<void> {
    const existing = await this.#insert(records);
    for (const record of records) {
      if (!existing.has(record._id)) continue;
      // The job was recorded before: only a dead record gives way.
      await this.#jobs.updateOne({ _id: record._id, outcome: 'dead' }, { $set: { ...record } });
    }
  }

  /** Records a job that was dead-lettered; a job already recorded keeps its record. */
  async recordDead(job: {
    batch: string;
    jobId: string;
    stage: Stage | 'unknown';
    reason: string;
  }): Promise<void> {
    await this.#insert([
      {
        _id: batchJobId(job.batch, job.jobId),
        batch: job.batch,
        jobId: job.jobId,
        outcome: 'dead',
        stage: job.stage,
        reason: job.reason,
        endedAt: new Date(),
      },
    ]);
  }

  /** Inserts the records; returns the ids that were there already. */
  async #insert(records: readonly BatchJobRecord[]): Promise<Set<string>> {
    const existing = new Set<string>();
    if (records.length === 0) return existing;
    let inserted: number;
    try {
      inserted = (await this.#jobs.insertMany([...records], { ordered: false })).insertedCount;
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      for (const writeError of errors) {
        if (writeError.code !== DUPLICATE_KEY) throw err;
        const record = records[writeError.index];
        if (record) existing.add(record._id);
      }
      inserted = err.insertedCount;
    }
    // Taken for a record, such an insert would leave its job in flight in its batch for ever.
    if (inserted + existing.size < records.length) {
      throw new IncompleteWriteError('batch records', inserted + existing.size, records.length);
    }
    return existing;
  }
}
