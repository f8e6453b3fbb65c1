import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  jobIdFor,
  newTraceparent,
  packBody,
  type RawRecord,
  type StoreMessage,
  topologyNames,
} from '@tributary/contracts';
import { createLogger, createRegistry } from '@tributary/core';
import { BrokerConnection, MessagingMetrics, Publisher } from '@tributary/messaging';
import { type TakenMessage, takeAll } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';

/** The repository root: the service runs from there, as `npm start` would, so relative plugin paths resolve. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../services/transformer/src/main.ts', import.meta.url));

/** Short delay queues so that retries come back within a test's time; the service gets the same by env. */
export const TEST_TOPOLOGY = { delayBucketsMs: [200, 1_000], maxLength: 100_000, deliveryLimit: 5 };

/** The chunking the tests run the service with (small chunks, so pages make several). */
export const TEST_CHUNKING = { targetTokens: 200, maxTokens: 250, overlapTokens: 20 };

export interface LogLine {
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

export interface TransformerProcess {
  readonly child: ChildProcess;
  /** The port of the primary's /metrics, /healthz and /readyz. */
  readonly port: number;
  /** Every JSON log line so far (primary and workers share stdout). */
  logs(): LogLine[];
  /** The last lines of output, for failure messages. */
  tail(): string;
  /** Pids of the workers the primary has forked, in order, with their slots. */
  forked(): { slot: number; pid: number }[];
  readiness(): Promise<{ ready: boolean; checks: Record<string, { ready: boolean; detail?: string }> }>;
  metrics(): Promise<string>;
  /** Waits until every one of `workers` worker is ready, as the primary's /readyz says. */
  waitUntilReady(workers: number, timeoutMs?: number): Promise<void>;
  /** Sends the signal to the primary and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills whatever a test left running; call from afterEach. */
export async function killAll(): Promise<void> {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  running.clear();
}

/** `node services/transformer/src/main.ts`, as deployed, against the test's vhost; resolves once it listens. */
export async function startTransformer(
  amqpUrl: string,
  env: Record<string, string> = {},
): Promise<TransformerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      AMQP_URL: amqpUrl,
      RETRY_DELAY_BUCKETS_MS: TEST_TOPOLOGY.delayBucketsMs.join(','),
      QUEUE_MAX_LENGTH: String(TEST_TOPOLOGY.maxLength),
      QUEUE_DELIVERY_LIMIT: String(TEST_TOPOLOGY.deliveryLimit),
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '20000',
      TRANSFORM_WORKERS: '2',
      TRANSFORM_TARGET_TOKENS: String(TEST_CHUNKING.targetTokens),
      TRANSFORM_MAX_TOKENS: String(TEST_CHUNKING.maxTokens),
      TRANSFORM_OVERLAP_TOKENS: String(TEST_CHUNKING.overlapTokens),
      TRANSFORM_BACKOFF_BASE_MS: '50',
      TRANSFORM_BACKOFF_MAX_MS: '200',
      TRANSFORM_RESTART_BASE_MS: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: LogLine[] = [];
  let raw = '';
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    raw = (raw + chunk.toString()).slice(-20_000);
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: part });
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const tail = () => raw.slice(-3_000);

  let port: number | undefined;
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null)
          throw new Error(`the transformer exited with code ${child.exitCode}: ${tail()}`);
        port = lines.find((line) => line.msg === 'started' && typeof line.port === 'number')?.port as
          | number
          | undefined;
        return port !== undefined;
      },
      { timeoutMs: 20_000, what: `the transformer to listen (${tail()})` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const base = `http://127.0.0.1:${port}`;
  const readiness = async () => {
    const response = await fetch(`${base}/readyz`);
    return (await response.json()) as Awaited<ReturnType<TransformerProcess['readiness']>>;
  };
  return {
    child,
    port: port ?? 0,
    logs: () => [...lines],
    tail,
    forked: () =>
      lines
        .filter((line) => line.msg === 'worker forked')
        .map((line) => ({ slot: Number(line.slot), pid: Number(line.pid) })),
    readiness,
    async metrics() {
      const response = await fetch(`${base}/metrics`);
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    },
    async waitUntilReady(workers, timeoutMs = 30_000) {
      let detail = '';
      await waitFor(
        async () => {
          const answer = await readiness();
          detail = answer.checks.workers?.detail ?? JSON.stringify(answer);
          return answer.ready && detail.startsWith(`${workers}/${workers} ready`);
        },
        { timeoutMs, intervalMs: 100, what: `${workers} ready workers (last: ${detail}; ${tail()})` },
      );
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      child.kill(signal);
      const [code] = await exited;
      running.delete(child);
      return code;
    },
  };
}

/** A connection and a confirmed publisher on the test vhost, declaring the same topology as the service. */
export async function connectPublisher(
  amqpUrl: string,
): Promise<{ publish(records: readonly RawRecord[]): Promise<void>; close(): Promise<void> }> {
  const logger = createLogger({ service: 'transformer-test', level: 'silent' });
  const metrics = new MessagingMetrics(createRegistry('transformer-test', { defaultMetrics: false }));
  const connection = new BrokerConnection({
    urls: [amqpUrl],
    name: 'transformer-test',
    topology: { names: topologyNames(''), ...TEST_TOPOLOGY },
    logger,
    metrics,
  });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { metrics, logger });
  publisher.start();
  return {
    async publish(records) {
      await Promise.all(
        records.map((record) =>
          publisher.publishToStage('transform', record, {
            messageId: record.jobId,
            traceparent: newTraceparent(),
          }),
        ),
      );
    },
    async close() {
      await publisher.close();
      await connection.close();
    },
  };
}

/** Publishes records to transform.raw (declaring the topology first) and disconnects. */
export async function publishRecords(amqpUrl: string, records: readonly RawRecord[]): Promise<void> {
  const publisher = await connectPublisher(amqpUrl);
  try {
    await publisher.publish(records);
  } finally {
    await publisher.close();
  }
}

/** A RawRecord as the fetcher would publish it for this body, gzip-packed above 16 KiB (FETCH_COMPRESS_ABOVE_BYTES). */
export function rawRecordFor(
  url: string,
  body: string,
  contentType: string,
  extra: Partial<RawRecord> = {},
): RawRecord {
  const bytes = Buffer.from(body, 'utf8');
  return {
    jobId: jobIdFor({ url }),
    url,
    finalUrl: url,
    status: 200,
    contentType,
    fetchedAt: '2026-01-02T03:04:05.000Z',
    durationMs: 12,
    bytes: bytes.byteLength,
    ...packBody(bytes, 16 * 1024),
    ...extra,
  };
}

/** Collects what arrives in a queue across calls: `take()` adds what is there now and returns all so far. */
export function collector<T = StoreMessage>(amqpUrl: string, queue: string) {
  const all: TakenMessage<T>[] = [];
  return {
    all,
    async take(): Promise<TakenMessage<T>[]> {
      all.push(...(await takeAll<T>(amqpUrl, queue)));
      return all;
    },
  };
}

/**
 * The value of a metric in a Prometheus text exposition: the sum over the series whose labels include `labels`
 * (0 when there is none).
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const series = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (Object.entries(labels).every(([key, value]) => series[key] === value)) sum += Number(match[4]);
  }
  return sum;
}
