// Embedder benchmark: chunks embedded per second through the embed stage against direct calls to the same endpoint
// with the same texts, batch size and concurrency, in one run, as a ratio (goal ≥ 0.9×).
//   npm run bench:embed            (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_EMBED_SOURCES=2000 BENCH_EMBED_CHUNKS_PER_SOURCE=4 BENCH_EMBED_BATCH_CHUNKS=32 BENCH_EMBED_CONCURRENCY=8 \
//     BENCH_EMBED_LATENCY_MS=200 BENCH_EMBED_ROUNDS=3 npm run bench:embed
//   BENCH_EMBED_PREFETCH=128 npm run bench:embed      (EMBED_PREFETCH of the stage; unset, the embedder's default)
//
// The endpoint: the demo API in this process, `POST /v1/embeddings?latency=LATENCY_MS`: each request waits that long,
// as a model server would, then gets deterministic 384-dimension vectors. Its token limit is raised, and
// EMBED_BATCH_TOKENS with it, so that on both sides a request is bounded by its chunk count alone: the same batch
// size. The ideal for both sides: ⌈requests / CONCURRENCY⌉ rounds of LATENCY_MS each, nothing else taking any time.
// The default latency, 400 ms for a request of 64 chunks (about 22,000 tokens), is what a model server on one GPU
// takes for that, and long enough for the ideal to be the ceiling: the demo API computes its vectors on this
// process's core, about 0.35 ms of CPU a chunk, one answer after another, so at 40 ms it would be the limit of both
// sides (a third of the ideal) and the ratio would say nothing about the stage.
// Input: SOURCES store messages of CHUNKS_PER_SOURCE chunks, each 100–300 words of demo-API prose, with its token
// count (the demo API's own count, one per four characters).
//
// 1. Direct: an EmbeddingClient (the embedder's own client) sends the texts, in order, in requests of BATCH_CHUNKS,
//    CONCURRENCY at once (p-limit), as fast as it can; timed from the first request to the last answer.
// 2. Stage: a fresh vhost and database; `node services/embedder/src/main.ts` (a child process, as deployed) starts and
//    is ready; then the messages are published to the embed stage through a confirming Publisher, and the clock runs
//    from the first publish until all N messages are in store.docs (its depth, polled every 20 ms; no writer).
//    Published while the embedder runs rather than before it starts, so that the clock, which starts at the first
//    publish, counts no process start-up; the publisher outruns the stage (the output says when it finished), so
//    the stage never waits for input beyond the first messages.
// demo-api's /stats counts the requests and inputs of each run, so that both sides are seen to send the same
// batches, and every chunk to be embedded once. Rounds alternate which side goes first. CPU seconds by process
// (Linux /proc) say where the time went.

import { availableParallelism, loadavg } from 'node:os';
import { newTraceparent, type StoreMessage, topologyNames } from '@tributary/contracts';
import { createLogger, createRegistry } from '@tributary/core';
import {
  createDemoApi,
  type DemoApi,
  demoTokenCount,
  EMBEDDING_DEFAULTS,
  type EmbeddingStatsSnapshot,
  recordFor,
  type StatsSnapshot,
} from '@tributary/demo-api';
import { EmbeddingClient } from '@tributary/embedder';
import {
  BrokerConnection,
  DEFAULT_DELAY_BUCKETS_MS,
  MessagingMetrics,
  Publisher,
} from '@tributary/messaging';
import amqplib from 'amqplib';
import pLimit from 'p-limit';
import { documentsMessage } from '../integration/writer/harness.ts';
import { databaseEndpoint, useBroker, useDatabase } from '../support/index.ts';
import { waitFor } from '../support/wait-for.ts';
import { QUEUE_MAX_LENGTH, startChild, stopChild } from './fetch-harness.ts';
import { pidListeningOn } from './proc-stat.ts';
import { formatNumber, median, report } from './results.ts';
import { type CpuUsage, cpuSnapshot, cpuUsage, localBrokerPid } from './transform-cpu.ts';

const SOURCES = Number(process.env.BENCH_EMBED_SOURCES ?? 1_000);
const CHUNKS_PER_SOURCE = Number(process.env.BENCH_EMBED_CHUNKS_PER_SOURCE ?? 4);
const BATCH_CHUNKS = Number(process.env.BENCH_EMBED_BATCH_CHUNKS ?? 64);
const CONCURRENCY = Number(process.env.BENCH_EMBED_CONCURRENCY ?? 4);
const LATENCY_MS = Number(process.env.BENCH_EMBED_LATENCY_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_EMBED_ROUNDS ?? 3);
/** EMBED_PREFETCH for the stage; unset, the embedder's own default. */
const PREFETCH = process.env.BENCH_EMBED_PREFETCH;
const CHUNKS = SOURCES * CHUNKS_PER_SOURCE;
const MODEL = EMBEDDING_DEFAULTS.model;
const STORE_QUEUE = topologyNames('').stage('store').queue;
const EMBED_DEAD_QUEUE = topologyNames('').stage('embed').deadQueue;
const TOPOLOGY = {
  delayBucketsMs: [...DEFAULT_DELAY_BUCKETS_MS],
  maxLength: QUEUE_MAX_LENGTH,
  deliveryLimit: 5,
};
const logger = createLogger({ service: 'bench-embed', level: 'warn' });

/** Chunk `k` of source `i`: 100–300 consecutive words of the demo API's record `embed-i`, after chunk k − 1's. */
function buildMessages(): StoreMessage[] {
  return Array.from({ length: SOURCES }, (_, i) => {
    const words = recordFor(`embed-${i}`, { paragraphs: 30 }).body.split(/\s+/);
    const lengths = Array.from(
      { length: CHUNKS_PER_SOURCE },
      (_, k) => 100 + ((i * 7_919 + k * 104_729) % 201),
    );
    const texts = lengths.map((length, k) => {
      const start = lengths.slice(0, k).reduce((sum, n) => sum + n, 0);
      return Array.from({ length }, (_, w) => words[(start + w) % words.length]).join(' ');
    });
    const message = documentsMessage(`embed-${i}`, CHUNKS_PER_SOURCE, { text: (k) => texts[k] ?? '' });
    return {
      ...message,
      documents: message.documents.map((document) => ({
        ...document,
        tokenCount: demoTokenCount(document.text),
      })),
    };
  });
}

const textsOf = (messages: readonly StoreMessage[]): string[] =>
  messages.flatMap((message) => (message.kind === 'documents' ? message.documents.map((d) => d.text) : []));

interface Run {
  side: 'direct' | 'stage';
  seconds: number;
  rate: number;
  /** What demo-api's /stats counted during the run. */
  endpoint: EmbeddingStatsSnapshot;
  cpu: CpuUsage | undefined;
  /** Stage: seconds from the first publish until the last was confirmed. */
  publishSeconds?: number;
  /** Stage: messages dead-lettered by the embedder (expected 0). */
  dead?: number;
}

async function endpointStats(demo: DemoApi): Promise<EmbeddingStatsSnapshot> {
  const response = await fetch(`${demo.url}/stats`);
  return ((await response.json()) as StatsSnapshot).embeddings;
}

async function resetEndpointStats(demo: DemoApi): Promise<void> {
  const response = await fetch(`${demo.url}/stats/reset`, { method: 'POST' });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`POST /stats/reset answered ${response.status}`);
}

async function direct(demo: DemoApi, endpoint: string, texts: readonly string[]): Promise<Run> {
  const client = new EmbeddingClient({
    endpoint,
    api: 'openai',
    model: MODEL,
    timeoutMs: 60_000,
    connections: CONCURRENCY,
    userAgent: 'tributary-bench',
  });
  const limit = pLimit(CONCURRENCY);
  const batches = Array.from({ length: Math.ceil(texts.length / BATCH_CHUNKS) }, (_, b) =>
    texts.slice(b * BATCH_CHUNKS, (b + 1) * BATCH_CHUNKS),
  );
  await resetEndpointStats(demo);
  const groups = cpuGroups(undefined);
  const first = cpuSnapshot(groups);
  const started = performance.now();
  try {
    const vectors = await Promise.all(batches.map((batch) => limit(() => client.embed(batch))));
    const seconds = (performance.now() - started) / 1_000;
    const last = cpuSnapshot(groups);
    const embedded = vectors.reduce((sum, batch) => sum + batch.length, 0);
    if (embedded !== texts.length) throw new Error(`direct: ${embedded} vectors for ${texts.length} texts`);
    return {
      side: 'direct',
      seconds,
      rate: texts.length / seconds,
      endpoint: await endpointStats(demo),
      cpu: first && last && cpuUsage(first, last),
    };
  } finally {
    await client.close();
  }
}

async function stage(
  demo: DemoApi,
  endpoint: string,
  messages: readonly StoreMessage[],
  maxTokens: number,
): Promise<Run> {
  await using broker = await useBroker();
  await using database = await useDatabase();
  const metrics = new MessagingMetrics(createRegistry('bench-embed', { defaultMetrics: false }));
  const connection = new BrokerConnection({
    urls: [broker.amqpUrl],
    name: 'bench-embed',
    logger,
    metrics,
    topology: { names: topologyNames(''), ...TOPOLOGY },
  });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { metrics, logger });
  publisher.start();
  const watch = await amqplib.connect(broker.amqpUrl);
  const channel = await watch.createChannel();
  const embedder = startChild('services/embedder/src/main.ts', {
    AMQP_URL: broker.amqpUrl,
    QUEUE_MAX_LENGTH: String(TOPOLOGY.maxLength),
    QUEUE_DELIVERY_LIMIT: String(TOPOLOGY.deliveryLimit),
    RETRY_DELAY_BUCKETS_MS: TOPOLOGY.delayBucketsMs.join(','),
    MONGO_URL: database.mongoUrl,
    MONGO_DB: database.dbName,
    EMBED_ENDPOINT: endpoint,
    EMBED_MODEL: MODEL,
    EMBED_BATCH_CHUNKS: String(BATCH_CHUNKS),
    EMBED_BATCH_TOKENS: String(maxTokens),
    EMBED_CONCURRENCY: String(CONCURRENCY),
    ...(PREFETCH === undefined ? {} : { EMBED_PREFETCH: PREFETCH }),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  const tail = () => embedder.lines.slice(-5).join('\n');
  let published: Promise<void> | undefined;
  try {
    let port: number | undefined;
    await waitFor(
      () => {
        if (embedder.child.exitCode !== null) throw new Error(`the embedder exited: ${tail()}`);
        port = embedder.lines
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { msg?: string; port?: number })
          .find((line) => line.msg === 'started')?.port;
        return port !== undefined;
      },
      { timeoutMs: 30_000, what: `the embedder to listen (${tail()})` },
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
      timeoutMs: 30_000,
      what: `the embedder to be ready (${tail()})`,
    });
    await resetEndpointStats(demo);
    const groups = cpuGroups(embedder.child.pid);
    const first = cpuSnapshot(groups);
    const started = performance.now();
    let publishedAt = 0;
    published = Promise.all(
      messages.map((message) =>
        publisher.publishToStage('embed', message, {
          messageId: message.source.jobId,
          traceparent: newTraceparent(),
        }),
      ),
    ).then(() => {
      publishedAt = performance.now();
    });
    let doneAt = 0;
    await waitFor(
      async () => {
        const { messageCount } = await channel.checkQueue(STORE_QUEUE);
        if (messageCount >= messages.length) doneAt = performance.now();
        return doneAt > 0;
      },
      {
        timeoutMs: 600_000,
        intervalMs: 20,
        what: `${messages.length} messages in ${STORE_QUEUE} (${tail()})`,
      },
    );
    const last = cpuSnapshot(groups);
    await published;
    const seconds = (doneAt - started) / 1_000;
    return {
      side: 'stage' as const,
      seconds,
      rate: CHUNKS / seconds,
      endpoint: await endpointStats(demo),
      cpu: first && last && cpuUsage(first, last),
      publishSeconds: (publishedAt - started) / 1_000,
      dead: (await channel.checkQueue(EMBED_DEAD_QUEUE)).messageCount,
    };
  } finally {
    await stopChild(embedder.child);
    // A run that failed leaves no publish to reject after the publisher closed.
    await Promise.allSettled([published]);
    await watch.close();
    await publisher.close();
    await connection.close();
  }
}

/** The processes whose CPU a run accounts: this one (the demo API, the direct client, the publisher), the embedder, broker, database. */
function cpuGroups(embedderPid: number | undefined): Record<string, number[]> {
  const brokerPid = localBrokerPid();
  return {
    'this process (demo API, client, publisher)': [process.pid],
    ...(embedderPid === undefined ? {} : { embedder: [embedderPid] }),
    ...(brokerPid === undefined ? {} : { broker: [brokerPid] }),
    ...(databasePid === undefined ? {} : { database: [databasePid] }),
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function describe(run: Run): string {
  const { requests, inputs, maxInputsPerRequest, byStatus } = run.endpoint;
  const statuses = Object.entries(byStatus)
    .map(([status, count]) => `${count}×${status}`)
    .join(', ');
  const cpu =
    run.cpu === undefined
      ? ''
      : `; CPU s: ${[...run.cpu.byLabel].map(([label, s]) => `${label} ${fmt(s, 2)}`).join(', ')}, ` +
        `others ${fmt(run.cpu.others, 2)} (machine ${fmt((100 * run.cpu.machineBusy) / (run.cpu.wallSeconds * run.cpu.cores), 0)}% busy)`;
  const extra =
    run.side === 'stage'
      ? `, published in ${fmt(run.publishSeconds ?? 0, 2)} s, ${run.dead} dead-lettered`
      : '';
  return (
    `${formatNumber(run.rate)} chunks/s (${fmt(run.seconds, 2)} s${extra}); endpoint: ${requests} requests, ` +
    `${inputs} inputs, ${fmt(inputs / requests, 1)} per request (max ${maxInputsPerRequest}), ${statuses}${cpu}`
  );
}

const startedAt = new Date();
const messages = buildMessages();
const texts = textsOf(messages);
const tokens = messages.flatMap((m) => (m.kind === 'documents' ? m.documents.map((d) => d.tokenCount) : []));
const meanWords = texts.reduce((sum, text) => sum + text.split(' ').length, 0) / texts.length;
// Requests bounded by their chunk count alone: the most tokens BATCH_CHUNKS chunks can hold, on both sides.
const maxTokens = BATCH_CHUNKS * Math.max(...tokens);
const demo = createDemoApi({
  port: 0,
  embeddings: { maxInputs: Math.max(EMBEDDING_DEFAULTS.maxInputs, BATCH_CHUNKS), maxTokens },
});
await demo.start();
// The database server's pid when it runs on this machine, by the port it listens on.
const databasePid = pidListeningOn(Number(new URL((await databaseEndpoint()).mongoUrl).port || 27017));
const endpoint = `${demo.url}/v1/embeddings?latency=${LATENCY_MS}`;
// The ideal for both sides: ⌈requests / CONCURRENCY⌉ rounds of LATENCY_MS, nothing else taking any time.
const idealSeconds = (Math.ceil(Math.ceil(CHUNKS / BATCH_CHUNKS) / CONCURRENCY) * LATENCY_MS) / 1_000;
const ideal = CHUNKS / idealSeconds;
console.log(
  `embed benchmark: ${formatNumber(SOURCES)} sources × ${CHUNKS_PER_SOURCE} chunks = ${formatNumber(CHUNKS)} chunks ` +
    `(${fmt(meanWords, 0)} words, ${fmt(tokens.reduce((a, b) => a + b, 0) / tokens.length, 0)} tokens each on ` +
    `average), ${BATCH_CHUNKS} chunks per request, ${CONCURRENCY} in flight, endpoint latency ${LATENCY_MS} ms ` +
    `(ideal ${formatNumber(ideal)} chunks/s, ${fmt(idealSeconds, 2)} s), ${ROUNDS} round(s), ${availableParallelism()} cores; ` +
    `load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
);

const runs: { direct: Run[]; stage: Run[] } = { direct: [], stage: [] };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? (['direct', 'stage'] as const) : (['stage', 'direct'] as const);
    for (const side of order) {
      const run =
        side === 'direct'
          ? await direct(demo, endpoint, texts)
          : await stage(demo, endpoint, messages, maxTokens);
      if (run.endpoint.inputs !== CHUNKS) {
        throw new Error(`${side}: the endpoint embedded ${run.endpoint.inputs} inputs, expected ${CHUNKS}`);
      }
      runs[side].push(run);
      console.log(`round ${round}, ${side}: ${describe(run)}`);
    }
  }
} finally {
  await demo.close();
}

const directRate = median(runs.direct.map((r) => r.rate));
const stageRate = median(runs.stage.map((r) => r.rate));
const ratio = stageRate / directRate;
const perRequest = (side: Run[]) => median(side.map((r) => r.endpoint.inputs / r.endpoint.requests));
const requests = (side: Run[]) => median(side.map((r) => r.endpoint.requests));
console.log(`\nmedian of ${ROUNDS} round(s):`);
console.log(
  `  direct: ${formatNumber(directRate)} chunks/s, ${requests(runs.direct)} requests of ${fmt(perRequest(runs.direct))} inputs`,
);
console.log(
  `  stage:  ${formatNumber(stageRate)} chunks/s, ${requests(runs.stage)} requests of ${fmt(perRequest(runs.stage))} inputs`,
);
console.log(
  `  stage / direct: ${fmt(ratio, 2)} (goal ≥ 0.9); ideal ${formatNumber(ideal)} chunks/s: direct at ` +
    `${fmt((100 * directRate) / ideal, 0)}%, stage at ${fmt((100 * stageRate) / ideal, 0)}%`,
);

await report({
  scenario: 'embed',
  command:
    `BENCH_EMBED_SOURCES=${SOURCES} BENCH_EMBED_CHUNKS_PER_SOURCE=${CHUNKS_PER_SOURCE} ` +
    `BENCH_EMBED_BATCH_CHUNKS=${BATCH_CHUNKS} BENCH_EMBED_CONCURRENCY=${CONCURRENCY} ` +
    `BENCH_EMBED_LATENCY_MS=${LATENCY_MS} BENCH_EMBED_ROUNDS=${ROUNDS} npm run bench:embed`,
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  rows: [
    {
      name:
        `embedder, ${formatNumber(CHUNKS)} chunks of ~${fmt(meanWords, 0)} words, ${BATCH_CHUNKS} per request, ` +
        `${CONCURRENCY} in flight, endpoint at ${LATENCY_MS} ms (median of ${ROUNDS} rounds)`,
      result:
        `${formatNumber(stageRate)} chunks/s, ${requests(runs.stage)} requests of ` +
        `${fmt(perRequest(runs.stage))} inputs`,
      ceiling:
        `direct EmbeddingClient ${formatNumber(directRate)} chunks/s, ${requests(runs.direct)} requests of ` +
        `${fmt(perRequest(runs.direct))}; ideal ${formatNumber(ideal)}`,
      ratio,
      goal: '≥ 0.9×',
      met: ratio >= 0.9,
    },
  ],
  details: {
    sources: SOURCES,
    chunksPerSource: CHUNKS_PER_SOURCE,
    batchChunks: BATCH_CHUNKS,
    batchTokens: maxTokens,
    concurrency: CONCURRENCY,
    latencyMs: LATENCY_MS,
    prefetch: PREFETCH ?? 'embedder default',
    meanWords,
    ideal,
    runs: Object.fromEntries(
      Object.entries(runs).map(([side, list]) => [
        side,
        list.map(({ cpu, ...run }) => ({
          ...run,
          cpuSeconds: cpu === undefined ? undefined : Object.fromEntries(cpu.byLabel),
        })),
      ]),
    ),
  },
});
