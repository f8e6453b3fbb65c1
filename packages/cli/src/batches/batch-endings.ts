import {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  batchJobId,
  type FoundJobRecord,
} from '@tributary/contracts';
import type { Db } from 'mongodb';
import { SOURCE_PAGE_SIZE } from '../sources/source-store.ts';
import { type DiscoveryRoot, GONE_REASONS, type JobEnding } from '../sources/sweep-plan.ts';

/** How each of the jobs ended in the batch, for those the batch has a record of. */
export async function readJobEndings(
  db: Db,
  batch: string,
  jobIds: readonly string[],
): Promise<Map<string, JobEnding>> {
  const endings = new Map<string, JobEnding>();
  if (jobIds.length === 0) return endings;
  const records = db
    .collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs)
    .find(
      { _id: { $in: jobIds.map((jobId) => batchJobId(batch, jobId)) } },
      { projection: { _id: 0, jobId: 1, outcome: 1, reason: 1 } },
    );
  for await (const record of records) {
    endings.set(record.jobId, { outcome: record.outcome, reason: record.reason });
  }
  return endings;
}

/** The discovery roots of the batch (the jobs the fetcher discovered from at depth 0), with their sweep scopes. */
export async function readDiscoveryRoots(db: Db, batch: string): Promise<DiscoveryRoot[]> {
  const roots = await db
    .collection<FoundJobRecord>(BATCH_COLLECTIONS.found)
    .find({ batch, depth: 0 }, { projection: { _id: 0, jobId: 1, url: 1, sweepScope: 1, bounded: 1 } })
    .toArray();
  return roots.map((root) => ({
    jobId: root.jobId,
    url: root.url,
    sweepScope: root.sweepScope,
    bounded: root.bounded === true,
  }));
}

/**
 * The roots of the batch under which a job ended dead for another reason than a gone page (the root itself
 * included): discoveries that may have missed pages. Reads a page of dead jobs at a time.
 */
export async function readRootsWithFailures(db: Db, batch: string): Promise<Set<string>> {
  const roots = new Set<string>();
  const dead = db
    .collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs)
    .find(
      { batch, outcome: 'dead', reason: { $nin: [...GONE_REASONS] } },
      { projection: { _id: 0, jobId: 1 }, batchSize: SOURCE_PAGE_SIZE },
    );
  const found = db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
  const lookUp = async (jobIds: string[]) => {
    const records = found.find(
      { _id: { $in: jobIds.map((jobId) => batchJobId(batch, jobId)) } },
      { projection: { _id: 0, root: 1 } },
    );
    for await (const record of records) roots.add(record.root);
  };
  let page: string[] = [];
  for await (const record of dead) {
    page.push(record.jobId);
    if (page.length >= SOURCE_PAGE_SIZE) {
      await lookUp(page);
      page = [];
    }
  }
  if (page.length > 0) await lookUp(page);
  return roots;
}
