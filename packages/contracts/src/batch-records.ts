import type { Stage } from './names.ts';

/** The MongoDB collections where batches are recorded: the writer records how jobs ended, the CLI reads them. */
export const BATCH_COLLECTIONS = {
  /** One record per batch: when it was enqueued and how many distinct jobs it holds. */
  batches: 'batches',
  /** One record per (batch, job): how the job ended. */
  jobs: 'batch_jobs',
} as const;

export interface BatchRecord {
  _id: string;
  createdAt: Date;
  /** Distinct jobs enqueued in the batch so far. */
  total: number;
  /** Set once the enqueue that created it has published every job. */
  enqueuedAt?: Date;
}

/** How one job of a batch ended; `stored` and `unchanged` win over `dead` (a replayed dead job that then succeeds). */
export type JobOutcome = 'stored' | 'unchanged' | 'dead';

export interface BatchJobRecord {
  /** `batchJobId(batch, jobId)`: one record per job of a batch, however often it was redelivered. */
  _id: string;
  batch: string;
  jobId: string;
  outcome: JobOutcome;
  /** For `stored`: the chunks the source has now. */
  chunkCount?: number;
  /** For `dead`: where and why. */
  stage?: Stage | 'unknown';
  reason?: string;
  endedAt: Date;
}

export function batchJobId(batch: string, jobId: string): string {
  return `${batch}/${jobId}`;
}
