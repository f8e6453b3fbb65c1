// What the fetch benchmarks share (fetch.ts, fetch-faults.ts): the demo API and the fetcher as child processes
// (`node services/<name>/src/main.ts` with an environment, as deployed), the demo API's /stats, enqueueing jobs
// through the messaging layer, and waiting for the first request to reach the demo API.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type FetchJob, newTraceparent, topologyNames } from '@tributary/contracts';
import { createLogger, createRegistry } from '@tributary/core';
import {
  BrokerConnection,
  DEFAULT_DELAY_BUCKETS_MS,
  MessagingMetrics,
  Publisher,
} from '@tributary/messaging';
import { waitFor } from '../support/wait-for.ts';

export const QUEUE_MAX_LENGTH = 1_000_000;

export const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export interface Child {
  child: ChildProcess;
  /** The last 2,000 lines of stdout and stderr. */
  lines: string[];
}

export function startChild(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [root(script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 2_000) lines.splice(0, lines.length - 2_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, lines };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

/**
 * The demo API on a free port; `env` adds to or overrides its settings (DEMO_HOST=0.0.0.0 lets every loopback
 * address reach it). `url` is `http://127.0.0.1:PORT`.
 */
export async function startDemoApi(
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; port: number }> {
  const { child, lines } = startChild('services/demo-api/src/main.ts', {
    DEMO_PORT: '0',
    DEMO_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DEMO_CACHE_MB: '256',
    ...env,
  });
  let url: string | undefined;
  await waitFor(
    () => {
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'demo-api listening' && entry.url) url = entry.url;
      }
      return url !== undefined;
    },
    { timeoutMs: 20_000, what: 'the demo API to listen' },
  );
  const found = url as string;
  return { child, url: found, port: Number(new URL(found).port) };
}

/** What one `Host` header saw, when the demo API reports it (`byHost` in /stats). */
export interface DemoHostStats {
  requests?: number;
  peakPerSecond?: number;
  peakInFlight?: number;
}

export interface DemoStats {
  total: number;
  requests: Record<string, number>;
  byHost?: Record<string, DemoHostStats>;
}

export async function demoStats(demoUrl: string): Promise<DemoStats> {
  const response = await fetch(`${demoUrl}/stats`);
  return (await response.json()) as DemoStats;
}

/** Zeroes the demo API's counters and per-URL attempts (so `failFirst` starts over). */
export async function resetDemoStats(demoUrl: string): Promise<void> {
  const response = await fetch(`${demoUrl}/stats/reset`, { method: 'POST' });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`POST /stats/reset answered ${response.status}`);
}

/** Enqueues through the messaging layer, which declares the same topology the fetcher will (same options). */
export async function enqueue(amqpUrl: string, jobs: readonly FetchJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const logger = createLogger({ service: 'bench-enqueue', level: 'warn' });
  const metrics = new MessagingMetrics(createRegistry('bench-enqueue', { defaultMetrics: false }));
  const connection = new BrokerConnection({
    urls: [amqpUrl],
    name: 'bench-enqueue',
    logger,
    metrics,
    topology: {
      names: topologyNames(''),
      delayBucketsMs: DEFAULT_DELAY_BUCKETS_MS,
      maxLength: QUEUE_MAX_LENGTH,
      deliveryLimit: 5,
    },
  });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { metrics, logger, maxUnconfirmed: 1_000 });
  publisher.start();
  try {
    await Promise.all(
      jobs.map((job) =>
        publisher.publishToStage('fetch', job, { messageId: job.id, traceparent: newTraceparent() }),
      ),
    );
  } finally {
    await publisher.close();
    await connection.close();
  }
}

/** One fetcher process on `amqpUrl`; `env` (FETCH_*, HTTP_PORT…) adds to or overrides the bench defaults. */
export function startFetcher(amqpUrl: string, env: Record<string, string>): Child {
  return startChild('services/fetcher/src/main.ts', {
    AMQP_URL: amqpUrl,
    QUEUE_MAX_LENGTH: String(QUEUE_MAX_LENGTH),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...env,
  });
}

/**
 * Polls the demo API's /stats every 10 ms until more than `before` requests for `route` arrived; returns the
 * moment (performance.now()) it saw them. `fetchers` name what to show if none ever comes.
 */
export async function waitForFirstRequest(
  demoUrl: string,
  route: string,
  before: number,
  fetchers: readonly Child[],
): Promise<number> {
  let firstRequestAt = 0;
  await waitFor(
    async () => {
      const seen = (await demoStats(demoUrl)).requests[route] ?? 0;
      if (seen > before) firstRequestAt = performance.now();
      return seen > before;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 10,
      what: `the fetcher's first request (${fetchers.map((f) => f.lines.slice(-5).join(' ')).join(' | ')})`,
    },
  );
  return firstRequestAt;
}
