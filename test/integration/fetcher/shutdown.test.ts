import { once } from 'node:events';
import type { RawRecord } from '@tributary/contracts';
import { createRegistry } from '@tributary/core';
import { createDemoApi, type DemoApi } from '@tributary/demo-api';
import { MessagingMetrics } from '@tributary/messaging';
import { afterEach, describe, expect, it } from 'vitest';
import {
  countMessages,
  type ServiceProcess,
  ServiceProcesses,
  type TestBroker,
  takeAll,
  useBroker,
} from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { connectBroker, fetcherProcessEnv, jobFor, publishJobs, testLogger } from './harness.ts';

let broker: TestBroker | undefined;
let demo: DemoApi | undefined;
const processes = new ServiceProcesses();

afterEach(async () => {
  await processes.killAll();
  await demo?.close();
  await broker?.[Symbol.asyncDispose]();
  demo = undefined;
  broker = undefined;
});

/** `node services/fetcher/src/main.ts`, as deployed, against the test's vhost and demo API. */
function startFetcherProcess(amqpUrl: string, demoPort: number): ServiceProcess {
  return processes.start('fetcher', {
    ...fetcherProcessEnv(amqpUrl),
    SHUTDOWN_GRACE_MS: '20000',
    FETCH_ALLOW_HOSTS: `127.0.0.1:${demoPort}`,
    FETCH_PREFETCH: '20',
    FETCH_CONCURRENCY: '20',
    FETCH_PER_HOST_CONCURRENCY: '5',
    FETCH_PER_HOST_RATE: '0',
    FETCH_BACKOFF_BASE_MS: '50',
    FETCH_BACKOFF_MAX_MS: '200',
    // One attempt per job: a job handed back at shutdown that spent its attempt would be dead-lettered.
    FETCH_MAX_ATTEMPTS: '1',
  });
}

describe('fetcher process: graceful SIGTERM', () => {
  it('finishes the requests in flight, returns the waiting jobs, and a new fetcher completes every job', async () => {
    broker = await useBroker();
    demo = createDemoApi({ port: 0 });
    const { url: demoUrl, port } = await demo.start();
    const logger = testLogger('shutdown-test');
    const { connection, publisher } = await connectBroker(
      broker.amqpUrl,
      'shutdown-test',
      logger,
      new MessagingMetrics(createRegistry('shutdown-test', { defaultMetrics: false })),
    );
    const total = 30;
    const jobs = Array.from({ length: total }, (_, i) =>
      jobFor(`${demoUrl}/records/${400 + i}?latency=1500`),
    );
    try {
      await publishJobs(publisher, jobs);
    } finally {
      await publisher.close();
      await connection.close();
    }

    const first = startFetcherProcess(broker.amqpUrl, port);
    const d = demo;
    await waitFor(() => d.stats.snapshot().inFlight >= 5, {
      timeoutMs: 20_000,
      what: `requests in flight at the demo API (fetcher said: ${first.output().slice(-500)})`,
    });
    const inFlightAtSignal = d.stats.snapshot().inFlight;
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    expect(code, first.output().slice(-2_000)).toBe(0);

    const amqpUrl = broker.amqpUrl;
    const seen = new Set<string>();
    const take = async () => {
      for (const m of await takeAll(amqpUrl, 'transform.raw')) seen.add((m.body as RawRecord).jobId);
      return seen.size;
    };
    // The requests in flight at SIGTERM finished and their records were published before the process left.
    expect(await take()).toBeGreaterThanOrEqual(inFlightAtSignal);
    expect(seen.size).toBeLessThan(total);

    const second = startFetcherProcess(broker.amqpUrl, port);
    await waitFor(async () => (await take()) === total, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `every job's record (have ${seen.size}; fetcher said: ${second.output().slice(-500)})`,
    });
    expect([...seen].sort()).toEqual(jobs.map((j) => j.id).sort());
    // The jobs handed back spent no attempt: with one attempt each, a spent one would be a dead letter.
    expect(await countMessages(amqpUrl, 'fetch.dead')).toBe(0);
    second.child.kill('SIGTERM');
    const [secondCode] = (await once(second.child, 'exit')) as [number | null];
    expect(secondCode).toBe(0);
  });
});
