// Fetch benchmark: the fetcher service against the demo API, on the real broker, beside its ceilings.
//   npm run bench:fetch                     (AMQP_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_FETCH_JOBS=2000 BENCH_FETCH_CONCURRENCY=100,500 npm run bench:fetch
//   BENCH_FETCH_PREFETCH_FACTOR=1 (prefetch = concurrency)   BENCH_FETCH_TRACE=1 (progress every 0.5 s)
//   BENCH_FETCH_RATE_ROUNDS=0 (skip the request-rate comparison)   BENCH_FETCH_WARMUP=0 (a cold process)
//
// 1. End to end, per concurrency: N jobs for distinct demo-API URLs with 300 ms latency are enqueued on a fresh
//    vhost behind a warm-up batch (BENCH_FETCH_WARMUP jobs for /pages/:id with no latency, so the measured
//    jobs meet a process past its JIT warm-up, as a running service is); then `node services/fetcher/src/main.ts`
//    starts (a child process, as deployed) and consumes them all. The clock runs from the first measured request
//    (/records/:id) reaching the demo API to the moment every RawRecord is in transform.raw (queue depth, polled
//    with a passive declare), against the ideal N × latency / concurrency and against plain undici `request()`
//    fetching the same URLs at the same concurrency without a broker.
// 2. Loopback request rate on one route with no latency: autocannon, then the fetcher's own request path
//    (host limits, breaker, undici client, classification, record building; publishing left out) in this
//    process, as a ratio. The demo API runs as a child process of its own throughout, so it never shares an
//    event loop with the client measured.
import { type FetchJob, jobIdFor, newTraceparent } from '@tributary/contracts';
import { createLogger, createRegistry, sleep } from '@tributary/core';
import { Fetcher, resolveFetcherOptions } from '@tributary/fetcher';
import { type Delivery, outcome } from '@tributary/messaging';
import amqplib from 'amqplib';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { useBroker } from '../support/index.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  demoStats,
  enqueue,
  startDemoApi,
  startFetcher,
  stopChild,
  waitForFirstRequest,
} from './fetch-harness.ts';
import { type BenchRow, median, report } from './results.ts';

const JOBS = Number(process.env.BENCH_FETCH_JOBS ?? 10_000);
const WARMUP = Number(process.env.BENCH_FETCH_WARMUP ?? 2_000);
const LATENCY_MS = Number(process.env.BENCH_FETCH_LATENCY_MS ?? 300);
const CONCURRENCIES = (process.env.BENCH_FETCH_CONCURRENCY ?? '100,500,1000').split(',').map(Number);
const RATE_SECONDS = Number(process.env.BENCH_FETCH_RATE_SECONDS ?? 5);
const RATE_CONNECTIONS = 100;
/** Broker prefetch as a multiple of the concurrency; unset, the fetcher's default (twice the concurrency). */
const PREFETCH_FACTOR =
  process.env.BENCH_FETCH_PREFETCH_FACTOR === undefined
    ? undefined
    : Number(process.env.BENCH_FETCH_PREFETCH_FACTOR);
const TRACE = process.env.BENCH_FETCH_TRACE === '1';
const RATE_ROUNDS = Number(process.env.BENCH_FETCH_RATE_ROUNDS ?? 3);

interface RunResult {
  concurrency: number;
  ceiling: number;
  seconds: number;
  ideal: number;
  startupSeconds: number;
  dead: number;
}

async function endToEnd(demoUrl: string, concurrency: number): Promise<RunResult> {
  await using broker = await useBroker();
  const demoPort = new URL(demoUrl).port;
  const jobs = Array.from({ length: JOBS }, (_, i) => {
    const url = `${demoUrl}/records/${i + 1}?latency=${LATENCY_MS}&run=c${concurrency}`;
    return { id: jobIdFor({ url }), url };
  });
  const warmup = Array.from({ length: WARMUP }, (_, i) => {
    const url = `${demoUrl}/pages/${i + 1}?run=w${concurrency}`;
    return { id: jobIdFor({ url }), url };
  });
  await enqueue(broker.amqpUrl, warmup);
  await enqueue(broker.amqpUrl, jobs);
  const before = (await demoStats(demoUrl)).requests['/records/:id'] ?? 0;

  const watch = await amqplib.connect(broker.amqpUrl);
  const channel = await watch.createChannel();
  const spawnedAt = performance.now();
  const fetcher = startFetcher(broker.amqpUrl, {
    FETCH_ALLOW_HOSTS: `127.0.0.1:${demoPort}`,
    FETCH_CONCURRENCY: String(concurrency),
    ...(PREFETCH_FACTOR === undefined
      ? {}
      : { FETCH_PREFETCH: String(Math.round(concurrency * PREFETCH_FACTOR)) }),
    FETCH_PER_HOST_CONCURRENCY: String(concurrency),
    FETCH_PER_HOST_RATE: '0',
    FETCH_HEADERS_TIMEOUT_MS: '60000',
  });
  try {
    // t0: the first request reaches the demo API (polled every 10 ms).
    const firstRequestAt = await waitForFirstRequest(demoUrl, '/records/:id', before, [fetcher]);
    // t1: the N-th record is in transform.raw.
    let doneAt = 0;
    let lastTraceAt = 0;
    await waitFor(
      async () => {
        const { messageCount } = await channel.checkQueue('transform.raw');
        if (TRACE && performance.now() - lastTraceAt >= 500) {
          lastTraceAt = performance.now();
          const seen = (await demoStats(demoUrl)).requests['/records/:id'] ?? 0;
          console.log(
            `  ${fmt((lastTraceAt - firstRequestAt) / 1000)} s: ${seen - before} requests, ${messageCount} records`,
          );
        }
        if (messageCount >= WARMUP + JOBS) doneAt = performance.now();
        return messageCount >= WARMUP + JOBS;
      },
      { timeoutMs: 600_000, intervalMs: 25, what: `${WARMUP + JOBS} records in transform.raw` },
    );
    const dead = (await channel.checkQueue('fetch.dead')).messageCount;
    return {
      concurrency,
      ceiling: 0,
      seconds: (doneAt - firstRequestAt) / 1000,
      ideal: (JOBS * LATENCY_MS) / 1000 / concurrency,
      startupSeconds: (firstRequestAt - spawnedAt) / 1000,
      dead,
    };
  } finally {
    await stopChild(fetcher.child);
    await watch.close();
  }
}

/**
 * The ceiling beside the pipeline: the same N URLs fetched with plain undici `request()` on a keep-alive Agent,
 * `concurrency` at a time, no broker, from this process.
 */
async function undiciCeiling(demoUrl: string, concurrency: number): Promise<number> {
  const agent = new Agent({ connections: concurrency, pipelining: 1 });
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < JOBS; i = next++) {
      const response = await request(
        `${demoUrl}/records/${i + 1}?latency=${LATENCY_MS}&run=ceiling${concurrency}`,
        {
          dispatcher: agent,
        },
      );
      await response.body.bytes();
      if (response.statusCode !== 200) throw new Error(`ceiling request answered ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return seconds;
}

async function autocannonRate(url: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: RATE_CONNECTIONS,
    duration: RATE_SECONDS,
    pipelining: 1,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`autocannon saw ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total / RATE_SECONDS;
}

/** Plain undici `request()` on a keep-alive Agent, RATE_CONNECTIONS at a time: the library's own ceiling. */
async function undiciRate(url: string): Promise<number> {
  const agent = new Agent({ connections: RATE_CONNECTIONS, pipelining: 1 });
  let completed = 0;
  const deadline = performance.now() + RATE_SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const response = await request(url, { dispatcher: agent });
      await response.body.bytes();
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: RATE_CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  await agent.close();
  return completed / seconds;
}

/** The fetcher's request path in this process, RATE_CONNECTIONS jobs at a time, for RATE_SECONDS. */
async function fetcherRate(url: string): Promise<number> {
  const port = Number(new URL(url).port);
  const logger = createLogger({ service: 'bench-fetcher', level: 'warn' });
  const fetcher = new Fetcher(
    resolveFetcherOptions({
      concurrency: RATE_CONNECTIONS,
      perHostConcurrency: RATE_CONNECTIONS,
      perHostRate: 0,
      allowHosts: [`127.0.0.1:${port}`],
    }),
    {
      registry: createRegistry('bench-fetcher', { defaultMetrics: false }),
      logger,
      publish: async () => {},
      publishFound: async () => {},
    },
  );
  const job: FetchJob = { id: jobIdFor({ url }), url };
  const delivery: Delivery = {
    stage: 'fetch',
    messageId: job.id,
    attempt: 1,
    traceparent: newTraceparent(),
    traceId: undefined,
    redelivered: false,
    routingKey: 'fetch',
    headers: {},
    logger,
  };
  let completed = 0;
  const deadline = performance.now() + RATE_SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const result = await fetcher.handle(job, delivery);
      if (result.kind !== outcome.done().kind) throw new Error(`fetch failed: ${JSON.stringify(result)}`);
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: RATE_CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  await fetcher.close();
  return completed / seconds;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** The goal per concurrency: latency-bound fetching within this multiple of the ideal time. */
const IDEAL_GOALS = new Map([
  [500, 1.2],
  [1000, 1.3],
]);

async function main(): Promise<void> {
  const startedAt = new Date();
  const rows: BenchRow[] = [];
  const demo = await startDemoApi();
  try {
    console.log(
      `fetch benchmark: ${JOBS} jobs, ${LATENCY_MS} ms latency, demo API ${demo.url} (child process)`,
    );
    console.log(
      `time: first measured request at the demo API → the last RawRecord in transform.raw (after ${WARMUP} warm-up jobs)`,
    );
    console.log('');
    console.log(
      'concurrency | ideal s | undici request(), no broker s | fetcher service s | fetcher / ideal | fetcher / undici | start → first request s | dead',
    );
    console.log(
      '----------- | ------- | ----------------------------- | ----------------- | --------------- | ---------------- | ----------------------- | ----',
    );
    for (const concurrency of CONCURRENCIES) {
      const ceiling = await undiciCeiling(demo.url, concurrency);
      await sleep(1_000);
      const r = { ...(await endToEnd(demo.url, concurrency)), ceiling };
      console.log(
        [
          String(r.concurrency).padStart(11),
          fmt(r.ideal).padStart(7),
          fmt(r.ceiling).padStart(29),
          fmt(r.seconds).padStart(17),
          fmt(r.seconds / r.ideal).padStart(15),
          fmt(r.seconds / r.ceiling).padStart(16),
          fmt(r.startupSeconds).padStart(23),
          String(r.dead),
        ].join(' | '),
      );
      const goal = IDEAL_GOALS.get(r.concurrency);
      rows.push({
        name: `fetch ${JOBS} URLs at ${LATENCY_MS} ms, concurrency ${r.concurrency}`,
        result: `${fmt(r.seconds)} s`,
        ceiling: `ideal ${fmt(r.ideal)} s; plain undici ${fmt(r.ceiling)} s`,
        ratio: r.seconds / r.ideal,
        ...(goal === undefined ? {} : { goal: `≤ ${goal}× ideal`, met: r.seconds / r.ideal <= goal }),
      });
      await sleep(1_000);
    }
    console.log('');
    if (RATE_ROUNDS === 0) {
      await reportRows(startedAt, rows);
      return;
    }
    const route = `${demo.url}/records/1`;
    // Alternating rounds, median of each: the ratio holds better than either number on a shared machine.
    const cannon: number[] = [];
    const plain: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < RATE_ROUNDS; round++) {
      cannon.push(await autocannonRate(route));
      await sleep(500);
      plain.push(await undiciRate(route));
      await sleep(500);
      ours.push(await fetcherRate(route));
      await sleep(500);
    }
    console.log(
      `loopback request rate on ${new URL(route).pathname}, ${RATE_CONNECTIONS} at a time, no latency, median of ${RATE_ROUNDS} × ${RATE_SECONDS} s:`,
    );
    console.log(
      `  autocannon:                   ${fmt(median(cannon), 0)} requests/s  (${cannon.map((x) => fmt(x, 0)).join(', ')})`,
    );
    console.log(
      `  undici request():             ${fmt(median(plain), 0)} requests/s  (${plain.map((x) => fmt(x, 0)).join(', ')})`,
    );
    console.log(
      `  fetcher request path:         ${fmt(median(ours), 0)} requests/s  (${ours.map((x) => fmt(x, 0)).join(', ')})`,
    );
    console.log(`  ratio fetcher / autocannon:   ${fmt(median(ours) / median(cannon))}`);
    console.log(`  ratio fetcher / undici:       ${fmt(median(ours) / median(plain))}`);
    rows.push({
      name: 'fetcher request path, loopback, no latency',
      result: `${fmt(median(ours), 0)} requests/s`,
      ceiling: `autocannon ${fmt(median(cannon), 0)}; plain undici ${fmt(median(plain), 0)}`,
      ratio: median(ours) / median(cannon),
    });
    await reportRows(startedAt, rows);
  } finally {
    await stopChild(demo.child);
  }
}

async function reportRows(startedAt: Date, rows: BenchRow[]): Promise<void> {
  await report({
    scenario: 'fetch',
    command: 'npm run bench:fetch',
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1000,
    rows,
    details: { jobs: JOBS, warmup: WARMUP, latencyMs: LATENCY_MS, concurrencies: CONCURRENCIES },
  });
}

await main();
