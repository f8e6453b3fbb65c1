import { randomBytes } from 'node:crypto';
import {
  BATCH_COLLECTIONS,
  BatchIdSchema,
  type BatchRecord,
  type FetchJob,
  type FoundJobRecord,
  newTraceparent,
  rootFoundRecord,
} from '@tributary/contracts';
import type { Db } from 'mongodb';
import { CliError, EXIT } from '../cli-errors.ts';
import type { BrokerSession } from '../connections.ts';
import { JobIdSet } from './job-id-set.ts';
import { parseJobLine } from './job-lines.ts';
import type { JobLines } from './job-source.ts';

/** Bad lines kept for the report; the rest are counted. */
const MAX_REPORTED_LINES = 100;
/** Publishes awaited at once; the publisher's own bound (AMQP_MAX_UNCONFIRMED) is what the broker sees. */
const PUBLISH_WINDOW = 2_000;
/** The batch's total grows in steps while a large file is enqueued, so its progress shows before the end. */
const TOTAL_STEP = 5_000;

export interface InvalidLine {
  line: number;
  problem: string;
}

export interface EnqueueSummary {
  batch: string;
  /** Non-blank, non-comment lines read. */
  lines: number;
  /** Distinct jobs published (confirmed by the broker). */
  published: number;
  /** Jobs skipped because the same job (same id) came earlier in this input. */
  duplicates: number;
  invalid: number;
  /** The first bad lines, with their numbers and what is wrong. */
  invalidLines: InvalidLine[];
  elapsedMs: number;
}

export interface EnqueueProgress {
  lines: number;
  published: number;
}

/** A batch id for an enqueue that names none: sortable by time, unique enough to never meet another. */
export function newBatchId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `b-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The batch id given on the command line, checked as the stages check it; a bad one is a usage error. */
export function checkBatchId(batch: string, flag = '--batch'): string {
  const checked = BatchIdSchema.safeParse(batch);
  if (!checked.success) {
    throw new CliError(
      'usage',
      `${flag} ${JSON.stringify(batch)}: ${checked.error.issues[0]?.message}`,
      EXIT.usage,
    );
  }
  return batch;
}

/**
 * Reads every line of the source once and reports the bad ones, publishing nothing: the first pass of --strict.
 */
export async function validateJobs(source: JobLines, batch: string): Promise<EnqueueSummary> {
  const started = performance.now();
  const summary = emptySummary(batch);
  const ids = new JobIdSet();
  for await (const { text, line } of source.lines()) {
    const parsed = parseJobLine(text, line, batch);
    if (parsed.kind === 'skip') continue;
    summary.lines++;
    if (parsed.kind === 'invalid') noteInvalid(summary, parsed);
    else if (!ids.add(parsed.job.id)) summary.duplicates++;
  }
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/**
 * Publishes every valid line of the source as a FetchJob of `batch`, each confirmed by the broker, at most
 * PUBLISH_WINDOW awaited at once, so a file of any length streams through in flat memory. The batch's record
 * counts the distinct jobs published.
 */
export async function enqueueJobs(
  source: JobLines,
  batch: string,
  deps: { broker: BrokerSession; db: Db; onProgress?: (progress: EnqueueProgress) => void },
): Promise<EnqueueSummary> {
  const started = performance.now();
  const summary = emptySummary(batch);
  const batches = deps.db.collection<BatchRecord>(BATCH_COLLECTIONS.batches);
  const found = deps.db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
  await batches.updateOne(
    { _id: batch },
    { $setOnInsert: { createdAt: new Date(), total: 0 } },
    { upsert: true },
  );
  const ids = new JobIdSet();
  const inFlight = new Set<Promise<void>>();
  let counted = 0;
  let failure: unknown;
  const countTotal = async () => {
    const step = summary.published - counted;
    if (step === 0) return;
    counted += step;
    await batches.updateOne({ _id: batch }, { $inc: { total: step } });
  };
  const publish = (job: FetchJob) => {
    const sent = deps.broker.publisher
      .publishToStage('fetch', job, { messageId: job.id, traceparent: newTraceparent() })
      .then(
        () => {
          summary.published++;
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  };

  for await (const { text, line } of source.lines()) {
    const parsed = parseJobLine(text, line, batch);
    if (parsed.kind === 'skip') continue;
    summary.lines++;
    if (parsed.kind === 'invalid') {
      noteInvalid(summary, parsed);
      continue;
    }
    if (!ids.add(parsed.job.id)) {
      summary.duplicates++;
      continue;
    }
    // A discovery root is known to its batch before anything is found: a discovery finding it again (another
    // root's crawl, a sitemap listing it) then sees a duplicate, and the batch counts it once.
    if (parsed.job.discover !== undefined) {
      const { _id, ...root } = rootFoundRecord(batch, { ...parsed.job, discover: parsed.job.discover });
      await found.updateOne({ _id }, { $setOnInsert: root }, { upsert: true });
    }
    publish(parsed.job);
    if (inFlight.size >= PUBLISH_WINDOW) await Promise.race(inFlight);
    if (failure !== undefined) break;
    if (summary.published - counted >= TOTAL_STEP) await countTotal();
    deps.onProgress?.({ lines: summary.lines, published: summary.published });
  }
  await Promise.all(inFlight);
  await countTotal();
  if (failure !== undefined) throw failure;
  await batches.updateOne({ _id: batch }, { $set: { enqueuedAt: new Date() } });
  deps.onProgress?.({ lines: summary.lines, published: summary.published });
  summary.elapsedMs = performance.now() - started;
  return summary;
}

function emptySummary(batch: string): EnqueueSummary {
  return { batch, lines: 0, published: 0, duplicates: 0, invalid: 0, invalidLines: [], elapsedMs: 0 };
}

function noteInvalid(summary: EnqueueSummary, invalid: InvalidLine): void {
  summary.invalid++;
  if (summary.invalidLines.length < MAX_REPORTED_LINES) {
    summary.invalidLines.push({ line: invalid.line, problem: invalid.problem });
  }
}
