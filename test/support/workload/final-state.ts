import { BATCH_COLLECTIONS, type BatchJobRecord } from '@tributary/contracts';
import type { Db } from 'mongodb';
import type { TestPipeline } from '../pipeline.ts';
import {
  type ExpectedDocument,
  type ExpectedSource,
  type ExpectedStore,
  textHash,
} from './expected-store.ts';
import type { WorkloadJob } from './workload.ts';

/**
 * The state a run ended in, read from where users read it (MongoDB, the dead-letter queues through
 * `tributary dead list`, the batch through `tributary batch status`), and its differences from the
 * expected state. Every difference is listed by job, so a failure says which jobs and how.
 */

export interface DeadLetterSeen {
  id: string;
  stage: string;
  url: string;
  reason: string;
}

export interface BatchCounts {
  total: number;
  stored: number;
  unchanged: number;
  dead: number;
  inFlight: number;
  deadBy: { stage: string; reason: string; count: number }[];
}

export interface ObservedState {
  sources: Map<string, ExpectedSource>;
  documents: Map<string, ExpectedDocument>;
  deadLetters: DeadLetterSeen[];
  /** The batch's record of each job, by job id. */
  batchJobs: Map<string, BatchJobRecord>;
  batch: BatchCounts;
}

export interface Differences {
  /** Jobs that must be stored whose source or chunks are missing, and that were not dead-lettered either. */
  lost: string[];
  /** Chunks or sources the workload does not ask for, a batch record of a job twice. */
  duplicated: string[];
  /**
   * Dead letters of a job beyond its first, each with the job's expected stage and reason. A dead-letter queue
   * is at-least-once: a crash between a retry's confirmed publish and the ack of the delivery it came from
   * leaves two copies of the job, and each ends in its own dead letter. Not a difference in the store or in the
   * batch, which count the job once; a run without crashes has none.
   */
  extraDeadLetterCopies: string[];
  /** Stored, but not with the content it must have; dead with another stage or reason; recorded wrongly. */
  wrong: string[];
}

export const STAGES = ['fetch', 'transform', 'store'] as const;

export async function observeState(pipeline: TestPipeline, batch: string): Promise<ObservedState> {
  const [store, deadLetters, batchCounts] = await Promise.all([
    readStore(pipeline.db),
    readDeadLetters(pipeline),
    readBatch(pipeline, batch),
  ]);
  const batchJobs = new Map<string, BatchJobRecord>();
  const records = pipeline.db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs).find({ batch });
  for await (const record of records) batchJobs.set(record.jobId, record);
  return { ...store, deadLetters, batchJobs, batch: batchCounts };
}

export async function readStore(db: Db): Promise<Pick<ObservedState, 'sources' | 'documents'>> {
  const sources = new Map<string, ExpectedSource>();
  for await (const source of db.collection<ExpectedSource & Record<string, unknown>>('sources').find()) {
    sources.set(source._id, {
      _id: source._id,
      url: source.url,
      contentHash: source.contentHash,
      chunkCount: source.chunkCount,
    });
  }
  const documents = new Map<string, ExpectedDocument>();
  for await (const document of db.collection<Record<string, unknown> & { _id: string }>('documents').find()) {
    documents.set(document._id, {
      _id: document._id,
      jobId: document.jobId as string,
      sourceUrl: document.sourceUrl as string,
      title: document.title as string | undefined,
      textHash: textHash(document.text as string),
      chunkIndex: document.chunkIndex as number,
      chunkCount: document.chunkCount as number,
      contentHash: document.contentHash as string,
      tokenCount: document.tokenCount as number,
      meta: document.meta as Record<string, unknown> | undefined,
    });
  }
  return { sources, documents };
}

async function readDeadLetters(pipeline: TestPipeline): Promise<DeadLetterSeen[]> {
  const seen: DeadLetterSeen[] = [];
  for (const stage of STAGES) {
    const result = await pipeline.cli(['dead', 'list', '--stage', stage, '--json', '--limit', '100000'], {
      timeoutMs: 120_000,
    });
    if (result.code !== 0)
      throw new Error(`tributary dead list --stage ${stage} exited ${result.code}: ${result.stderr}`);
    for (const line of result.stdout.split('\n')) {
      if (line.trim() === '') continue;
      const view = JSON.parse(line) as DeadLetterSeen;
      seen.push({ id: view.id, stage: view.stage, url: view.url, reason: view.reason });
    }
  }
  return seen;
}

async function readBatch(pipeline: TestPipeline, batch: string): Promise<BatchCounts> {
  const result = await pipeline.cli(['batch', 'status', batch, '--json'], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`tributary batch status exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as BatchCounts;
}

/** Every way the observed state differs from what the workload must produce; empty lists when exact. */
export function differences(
  jobs: readonly WorkloadJob[],
  expected: ExpectedStore,
  observed: ObservedState,
): Differences {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const extraDeadLetterCopies: string[] = [];
  const wrong: string[] = [];
  const deadByJob = new Map<string, DeadLetterSeen[]>();
  for (const letter of observed.deadLetters) {
    deadByJob.set(letter.id, [...(deadByJob.get(letter.id) ?? []), letter]);
  }
  const jobIds = new Set(jobs.map((job) => job.jobId));

  for (const job of jobs) {
    const dead = deadByJob.get(job.jobId) ?? [];
    const record = observed.batchJobs.get(job.jobId);
    const label = `${job.kind} ${job.url}`;
    if (dead.length > 1) extraDeadLetterCopies.push(`${label}: ${dead.length} dead letters`);
    if (job.expected.outcome === 'stored') {
      const source = observed.sources.get(job.jobId);
      const want = expected.sources.get(job.jobId);
      if (!source) {
        const why = dead.map((letter) => `${letter.stage}/${letter.reason}`).join(', ');
        if (dead.length > 0) wrong.push(`${label}: dead (${why}) instead of stored`);
        else lost.push(`${label}: no source`);
      } else if (want && !sameFields(source, want)) {
        wrong.push(`${label}: source ${JSON.stringify(source)}, expected ${JSON.stringify(want)}`);
      } else if (dead.length > 0) {
        wrong.push(`${label}: stored and also dead-lettered (${dead[0]?.stage}/${dead[0]?.reason})`);
      }
      if (record?.outcome !== 'stored') wrong.push(`${label}: batch records ${describeRecord(record)}`);
      else if (want && record.chunkCount !== want.chunkCount) {
        wrong.push(`${label}: batch records ${record.chunkCount} chunks, expected ${want.chunkCount}`);
      }
    } else {
      const { stage, reason } = job.expected;
      if (observed.sources.has(job.jobId)) wrong.push(`${label}: stored, expected dead ${stage}/${reason}`);
      if (dead.length === 0) lost.push(`${label}: no dead letter (expected ${stage}/${reason})`);
      else if (dead.some((letter) => letter.stage !== stage || letter.reason !== reason)) {
        const seen = dead.map((letter) => `${letter.stage}/${letter.reason}`).join(', ');
        wrong.push(`${label}: dead ${seen}, expected ${stage}/${reason}`);
      }
      if (record?.outcome !== 'dead' || record.stage !== stage || record.reason !== reason) {
        wrong.push(`${label}: batch records ${describeRecord(record)}, expected dead ${stage}/${reason}`);
      }
    }
  }
  for (const letter of observed.deadLetters) {
    if (!jobIds.has(letter.id))
      wrong.push(`a dead letter of no job: ${letter.stage}/${letter.reason} ${letter.url}`);
  }
  for (const [id, source] of observed.sources) {
    if (!expected.sources.has(id)) wrong.push(`a source that must not be stored: ${source.url}`);
  }
  for (const [id, want] of expected.documents) {
    const document = observed.documents.get(id);
    if (!document) {
      if (observed.sources.has(want.jobId)) lost.push(`chunk ${want.chunkIndex} of ${want.sourceUrl}`);
    } else if (!sameFields(document, want)) {
      wrong.push(`chunk ${want.chunkIndex} of ${want.sourceUrl}: ${diffFields(document, want)}`);
    }
  }
  for (const [id, document] of observed.documents) {
    if (!expected.documents.has(id)) {
      duplicated.push(`a chunk that must not exist: ${document.chunkIndex} of ${document.sourceUrl}`);
    }
  }
  return { lost, duplicated, extraDeadLetterCopies, wrong };
}

/** The batch's counts from the workload alone. */
export function expectedBatchCounts(jobs: readonly WorkloadJob[]): Omit<BatchCounts, 'unchanged'> {
  const deadBy = new Map<string, { stage: string; reason: string; count: number }>();
  let stored = 0;
  for (const job of jobs) {
    if (job.expected.outcome === 'stored') {
      stored++;
      continue;
    }
    const key = `${job.expected.stage}/${job.expected.reason}`;
    const entry = deadBy.get(key) ?? { stage: job.expected.stage, reason: job.expected.reason, count: 0 };
    entry.count++;
    deadBy.set(key, entry);
  }
  return {
    total: jobs.length,
    stored,
    dead: jobs.length - stored,
    inFlight: 0,
    deadBy: [...deadBy.values()].sort(byStageAndReason),
  };
}

export function byStageAndReason(
  a: { stage: string; reason: string },
  b: { stage: string; reason: string },
): number {
  return `${a.stage}/${a.reason}`.localeCompare(`${b.stage}/${b.reason}`);
}

function describeRecord(record: BatchJobRecord | undefined): string {
  if (!record) return 'nothing';
  return record.outcome === 'dead' ? `dead ${record.stage}/${record.reason}` : record.outcome;
}

function sameFields(actual: object, wanted: object): boolean {
  return diffFields(actual, wanted) === '';
}

function diffFields(actual: object, wanted: object): string {
  const a = actual as Record<string, unknown>;
  const w = wanted as Record<string, unknown>;
  return Object.keys(w)
    .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(w[key]))
    .map((key) => `${key} ${JSON.stringify(a[key])} ≠ ${JSON.stringify(w[key])}`)
    .join('; ');
}
