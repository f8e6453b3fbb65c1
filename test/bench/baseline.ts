// The in-process baseline the end-to-end benchmark holds the pipeline against: the same jobs done by ONE Node
// process with no broker, no queues and no other processes. It fetches with undici at the fetcher's concurrency,
// makes the fetcher's RawRecord, runs the transformer's default transform in worker threads (the transformer's
// own runner, one per core), and inserts what the writer would store, batched as the writer batches, into the
// same database server. Every setting is read from the environment the pipeline's services were given.
import type { FetchJob, StoreMessage } from '@tributary/contracts';
import { loadConfig } from '@tributary/core';
import { fetcherSettings } from '@tributary/fetcher';
import { transformerSettings } from '@tributary/transformer';
import { writerSettings } from '@tributary/writer';
import type { Db } from 'mongodb';
import { Agent } from 'undici';
import { requestHeaders, toRawRecord } from '../../services/fetcher/src/raw-record.ts';
import { transformConfigOf, transformerRules } from '../../services/transformer/src/config.ts';
import { Batcher } from '../../services/writer/src/batcher.ts';
import { ProcessUsageMeter, type UsageReport, type UsageTargets } from './process-usage.ts';
import { firstIngestionWrites, RawStore, type StoreWrites } from './raw-store.ts';
import { TransformPool } from './transform-pool.ts';

export interface BaselineOptions {
  jobs: readonly FetchJob[];
  /** The environment of the pipeline's services: FETCH_*, TRANSFORM_*, WRITE_* and collection settings. */
  env: NodeJS.ProcessEnv;
  /** A database of its own on the pipeline's server. */
  db: Db;
  /** The pipeline's database: the baseline keeps the indexes the writer made there. */
  writerDb: Db;
  /** Worker threads running transforms: as many as the transformer's worker processes. */
  transformThreads: number;
  /** The processes whose CPU to account for, this process among them. */
  usageTargets: UsageTargets;
}

export interface BaselineRun {
  /** From the first request to the last insert acknowledged. */
  seconds: number;
  documents: number;
  sources: number;
  batchJobs: number;
  /** The inserts, batch by batch, as they were made: to be made again alone, as the database's ceiling. */
  batches: StoreWrites[];
  /** Time spent waiting for inserts while the rest ran. */
  insertSeconds: number;
  usage: UsageReport | undefined;
}

/** The status every job of the benchmark must answer; anything else is a broken run, not a slow one. */
const OK = 200;

export async function runBaseline(options: BaselineOptions): Promise<BaselineRun> {
  const { jobs, env } = options;
  const fetcher = loadConfig(fetcherSettings, env);
  const transformer = loadConfig(transformerSettings, env, transformerRules);
  const writer = loadConfig(writerSettings, env);

  const store = new RawStore(options.db, writer);
  await store.prepare(options.writerDb);
  await using pool = new TransformPool({
    threads: options.transformThreads,
    config: transformConfigOf(transformer),
    timeoutMs: transformer.timeoutMs,
  });
  await pool.start();
  // One pool for the demo API's origin, as the fetcher's: a connection per request the host may have in flight.
  const agent = new Agent({ connections: fetcher.perHostConcurrency, pipelining: 1 });

  const batches: StoreWrites[] = [];
  let insertSeconds = 0;
  const batcher = new Batcher<StoreMessage, void>({
    maxSize: writer.batchSize,
    maxAgeMs: writer.batchMaxMs,
    weigh: (message) => (message.kind === 'documents' ? message.documents.length : 1),
    flush: async (messages) => {
      const writes = firstIngestionWrites(messages, new Date());
      const started = performance.now();
      await store.insert(writes);
      insertSeconds += (performance.now() - started) / 1_000;
      batches.push(writes);
      return messages.map(() => undefined);
    },
  });

  const fetchOne = async (job: FetchJob) => {
    const url = new URL(job.url);
    const requested = performance.now();
    const response = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { 'user-agent': fetcher.userAgent, ...requestHeaders(job) },
    });
    const bytes = await response.body.bytes();
    if (response.statusCode !== OK) {
      throw new Error(`${job.url} answered ${response.statusCode}, expected ${OK}`);
    }
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const timing = { fetchedAtMs: Date.now(), durationMs: performance.now() - requested };
    // Nothing travels between processes here, so the body stays as it came: no gzip above a size.
    return toRawRecord(
      job,
      { status: response.statusCode, finalUrl: job.url, headers: response.headers, body },
      timing,
      Number.POSITIVE_INFINITY,
    );
  };

  const meter = new ProcessUsageMeter(options.usageTargets);
  meter.start();
  const started = performance.now();
  let usage: UsageReport | undefined;
  try {
    // A request slot is free again once its response is read: transforms and inserts go on beside the fetching,
    // as they do in the pipeline, where the fetcher hands the record to the broker and takes the next job.
    const stored: Promise<void>[] = [];
    const queue = jobs.values();
    const lane = async () => {
      for (const job of queue) {
        const record = await fetchOne(job);
        stored.push(pool.run(record).then((message) => batcher.add(message)));
      }
    };
    const lanes = Array.from({ length: Math.min(fetcher.concurrency, jobs.length) }, lane);
    // Everything started is waited for, failed or not, so that no failure is left unhandled behind the first.
    const outcomes = [...(await Promise.allSettled(lanes)), ...(await Promise.allSettled(stored))];
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    usage = meter.stop();
    await agent.close();
  }
  const seconds = (performance.now() - started) / 1_000;
  return { seconds, ...(await store.counts()), batches, insertSeconds, usage };
}
