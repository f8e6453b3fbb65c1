import { createHash } from 'node:crypto';
import { packBody, type RawRecord, type StoreMessage } from '@tributary/contracts';
import { createLogger, loadConfig } from '@tributary/core';
import type { ContentOptions } from '@tributary/demo-api';
import { defaultTransform, runTransform } from '@tributary/transform';
import { transformConfigOf, transformerSettings } from '../../../services/transformer/src/config.ts';
import { pageFor, recordFor } from '../demo-content.ts';
import type { WorkloadJob } from './workload.ts';

/**
 * What MongoDB must hold for a workload, computed without the pipeline: the bodies from the demo API's own
 * generators, the chunks from the transform package run here with the transformer's default settings.
 * Timestamps are left out: they are the only fields a correct pipeline may set differently.
 */

export interface ExpectedSource {
  _id: string;
  url: string;
  contentHash: string;
  chunkCount: number;
}

export interface ExpectedDocument {
  _id: string;
  jobId: string;
  sourceUrl: string;
  title: string | undefined;
  /** SHA-256 of the chunk's text, so that a failure message stays short. */
  textHash: string;
  chunkIndex: number;
  chunkCount: number;
  contentHash: string;
  tokenCount: number;
  meta: Record<string, unknown> | undefined;
}

export interface ExpectedStore {
  sources: Map<string, ExpectedSource>;
  documents: Map<string, ExpectedDocument>;
}

/** Content revised through the demo API's control route, by `route/id`. */
export type Revisions = ReadonlyMap<string, ContentOptions>;

const TRANSFORM_CONFIG = transformConfigOf(loadConfig(transformerSettings, {}));
const silent = createLogger({ service: 'expected-store', level: 'silent' });

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The demo API's body and content type for a job's URL (faults change how it is sent, not what). */
export function demoBody(job: WorkloadJob, revisions: Revisions): { body: Buffer; contentType: string } {
  const options = revisions.get(`${job.route}/${job.contentId}`) ?? {};
  return job.route === 'pages'
    ? { body: Buffer.from(pageFor(job.contentId, options).html), contentType: 'text/html; charset=utf-8' }
    : {
        body: Buffer.from(JSON.stringify(recordFor(job.contentId, options))),
        contentType: 'application/json; charset=utf-8',
      };
}

export async function expectedStore(
  jobs: readonly WorkloadJob[],
  revisions: Revisions = new Map(),
): Promise<ExpectedStore> {
  const sources = new Map<string, ExpectedSource>();
  const documents = new Map<string, ExpectedDocument>();
  for (const job of jobs) {
    if (job.expected.outcome !== 'stored') continue;
    const message = await storeMessageFor(job, revisions, new Date(0));
    if (message.kind !== 'documents') throw new Error(`expected documents for ${job.url}`);
    sources.set(job.jobId, {
      _id: job.jobId,
      url: job.url,
      contentHash: message.source.contentHash,
      chunkCount: message.source.chunkCount,
    });
    for (const document of message.documents) {
      documents.set(document._id, {
        _id: document._id,
        jobId: document.jobId,
        sourceUrl: document.sourceUrl,
        title: document.title,
        textHash: textHash(document.text),
        chunkIndex: document.chunkIndex,
        chunkCount: document.chunkCount,
        contentHash: document.contentHash,
        tokenCount: document.tokenCount,
        meta: document.meta,
      });
    }
  }
  return { sources, documents };
}

/**
 * The StoreMessage the transformer makes of the job's content as fetched at `fetchedAt` (with `revisions`
 * applied): what the writer receives, without the batch.
 */
export async function storeMessageFor(
  job: WorkloadJob,
  revisions: Revisions,
  fetchedAt: Date,
): Promise<StoreMessage> {
  const { body, contentType } = demoBody(job, revisions);
  const meta = JSON.parse(job.line.startsWith('{') ? job.line : '{}').meta as
    | Record<string, unknown>
    | undefined;
  const record: RawRecord = {
    jobId: job.jobId,
    url: job.url,
    finalUrl: job.url,
    status: 200,
    contentType,
    fetchedAt: fetchedAt.toISOString(),
    durationMs: 0,
    bytes: body.byteLength,
    ...(meta === undefined ? {} : { meta }),
    ...packBody(body, 64 * 1024),
  };
  return runTransform(defaultTransform, record, { config: TRANSFORM_CONFIG, logger: silent });
}
