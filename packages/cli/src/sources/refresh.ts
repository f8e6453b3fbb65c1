import type { FetchJobInput } from '@tributary/contracts';
import type { Db } from 'mongodb';
import type { BrokerSession } from '../connections.ts';
import { type EnqueueProgress, type EnqueueSummary, enqueueJobs } from '../enqueue/enqueue.ts';
import type { JobLines, NumberedLine } from '../enqueue/job-source.ts';
import { type SourceCollections, type SourceQuery, SourceStore, type StoredSource } from './source-store.ts';

/**
 * Pure: the job that fetches a stored source again. It keeps the source's id (whatever request first made it),
 * asks conditionally with the etag and date it was stored with, so an unchanged page costs a 304 and no write,
 * and carries the meta the source was ingested with, so a changed page keeps it.
 */
export function refreshJob(source: StoredSource, meta?: Record<string, unknown>): FetchJobInput {
  const job: FetchJobInput = { id: source._id, url: source.url };
  if (source.etag !== undefined) job.etag = source.etag;
  if (source.lastModified !== undefined) job.lastModified = source.lastModified;
  if (meta !== undefined) job.meta = meta;
  return job;
}

export interface RefreshSelection {
  /** Only sources last fetched longer ago than this. */
  olderThanMs?: number | undefined;
  /** Only sources whose URL starts with this. */
  urlPrefix?: string | undefined;
}

/**
 * Pure: the sources a refresh reads, as of `now`: last fetched before now less the age (before now without one, so
 * that sources stored while the refresh reads are not read), under the prefix.
 */
export function refreshQuery(selection: RefreshSelection, now: Date): Required<SourceQuery> {
  return {
    fetchedBefore: new Date(now.getTime() - (selection.olderThanMs ?? 0)),
    urlPrefixes: selection.urlPrefix === undefined ? [] : [selection.urlPrefix],
  };
}

/**
 * The job lines of a refresh, as `enqueueJobs` reads a job file: one FetchJob as JSON per selected source, read a
 * page at a time with the first chunks' metas of the page in one query, so a million sources stream through in
 * flat memory.
 */
export function refreshLines(
  store: Pick<SourceStore, 'pages' | 'firstChunkMeta'>,
  query: SourceQuery,
): JobLines {
  return {
    async *lines(): AsyncGenerator<NumberedLine> {
      let line = 0;
      for await (const page of store.pages(query)) {
        const metas = await store.firstChunkMeta(page.map((source) => source._id));
        for (const source of page) {
          yield { text: JSON.stringify(refreshJob(source, metas.get(source._id))), line: ++line };
        }
      }
    },
  };
}

export interface RefreshSummary extends EnqueueSummary {
  /** The sources read were last fetched before this: what a sweep after the refresh may remove is older still. */
  fetchedBefore: Date;
}

/**
 * Enqueues a refresh of the selected sources in `batch`, each job confirmed by the broker, the batch's total
 * counting them, exactly as `tributary enqueue` publishes a file.
 */
export async function refreshSources(
  deps: {
    broker: BrokerSession;
    db: Db;
    collections: SourceCollections;
    now?: Date;
    onProgress?: (progress: EnqueueProgress) => void;
  },
  selection: RefreshSelection & { batch: string },
): Promise<RefreshSummary> {
  const query = refreshQuery(selection, deps.now ?? new Date());
  const lines = refreshLines(new SourceStore(deps.db, deps.collections), query);
  const summary = await enqueueJobs(lines, selection.batch, {
    broker: deps.broker,
    db: deps.db,
    ...(deps.onProgress === undefined ? {} : { onProgress: deps.onProgress }),
  });
  return { ...summary, fetchedBefore: query.fetchedBefore };
}
