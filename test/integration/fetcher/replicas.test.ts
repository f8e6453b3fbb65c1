import { createRegistry } from '@tributary/core';
import { createDemoApi, type DemoApi } from '@tributary/demo-api';
import { MessagingMetrics } from '@tributary/messaging';
import { afterEach, describe, expect, it } from 'vitest';
import { type DroppingHost, startDroppingHost } from '../../support/dropping-host.ts';
import {
  countMessages,
  type ServiceProcess,
  ServiceProcesses,
  type TestBroker,
  useBroker,
} from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { connectBroker, fetcherProcessEnv, jobFor, publishJobs, testLogger } from './harness.ts';

let broker: TestBroker | undefined;
let demo: DemoApi | undefined;
let refusing: DroppingHost | undefined;
const processes = new ServiceProcesses();

afterEach(async () => {
  await processes.killAll();
  await demo?.close();
  refusing?.close();
  await broker?.[Symbol.asyncDispose]();
  demo = undefined;
  refusing = undefined;
  broker = undefined;
});

const RATE = 15;
const CONCURRENCY = 3;
const BREAKER_VOLUME = 6;

/** Whether the fetcher has logged that this many fetchers share the hosts. */
function sees(fetcher: ServiceProcess, replicas: number): boolean {
  const counts = fetcher.logLines().filter((l) => l.msg === 'consumer count changed');
  return counts.at(-1)?.consumers === replicas;
}

describe('fetcher replicas: per-host politeness holds across the cluster', () => {
  it('keeps a host within its configured rate and concurrency with 3 fetchers, and after one dies', async () => {
    broker = await useBroker();
    demo = createDemoApi({ port: 0 });
    const { url: demoUrl, port: demoPort } = await demo.start();
    const host = `127.0.0.1:${demoPort}`;
    const down = await startDroppingHost();
    refusing = down;

    const env = {
      ...fetcherProcessEnv(broker.amqpUrl),
      FETCH_ALLOW_HOSTS: `${host},${down.host}`,
      FETCH_PER_HOST_RATE: String(RATE),
      FETCH_PER_HOST_CONCURRENCY: String(CONCURRENCY),
      FETCH_BREAKER_VOLUME: String(BREAKER_VOLUME),
      FETCH_BREAKER_RESET_MS: '60000',
      FETCH_MAX_ATTEMPTS: '50',
      FETCH_REPLICA_POLL_MS: '300',
    };
    const fetchers = [1, 2, 3].map(() => processes.start('fetcher', env));
    await waitFor(() => fetchers.every((f) => sees(f, 3)), {
      timeoutMs: 20_000,
      what: 'every fetcher to count 3 fetchers',
    });

    const logger = testLogger('replicas-test');
    const { connection, publisher } = await connectBroker(
      broker.amqpUrl,
      'replicas-test',
      logger,
      new MessagingMetrics(createRegistry('replicas-test', { defaultMetrics: false })),
    );
    const amqpUrl = broker.amqpUrl;
    const fetchAll = async (ids: number[]) => {
      const before = await countMessages(amqpUrl, 'transform.raw');
      const started = performance.now();
      await publishJobs(
        publisher,
        ids.map((id) => jobFor(`${demoUrl}/records/${id}?latency=50`)),
      );
      await waitFor(async () => (await countMessages(amqpUrl, 'transform.raw')) >= before + ids.length, {
        timeoutMs: 30_000,
        what: `${ids.length} records`,
      });
      return (performance.now() - started) / 1_000;
    };
    try {
      const dead = Array.from({ length: 30 }, (_, i) => jobFor(`http://${down.host}/doc/${i}`));
      await publishJobs(publisher, dead);
      const seconds = await fetchAll(Array.from({ length: 90 }, (_, i) => 700 + i));
      const seen = demo.stats.snapshot().byHost[host];
      // Each fetcher took a third: the host saw the configured limits in all (three unshared fetchers would
      // have sent three times the rate), and the three together still reached it (one fetcher alone at a third
      // of the rate would have taken three times as long).
      expect(seen?.peakPerSecond).toBeLessThanOrEqual(Math.floor(RATE * 1.1));
      expect(seen?.peakInFlight).toBeLessThanOrEqual(CONCURRENCY);
      expect(seconds).toBeLessThan((90 / RATE) * 1.5);
      // The host that is down was noticed after about the configured volume in all, not the volume per fetcher.
      const perFetcher = Math.ceil(BREAKER_VOLUME / 3) + Math.floor(CONCURRENCY / 3);
      expect(down.connections()).toBeLessThanOrEqual(3 * perFetcher);
      expect(down.connections()).toBeLessThan(3 * BREAKER_VOLUME);

      // One fetcher dies: the two left take half each.
      fetchers[2]?.child.kill('SIGKILL');
      await waitFor(() => fetchers.slice(0, 2).every((f) => sees(f, 2)), {
        timeoutMs: 20_000,
        what: 'the fetchers left to count 2 fetchers',
      });
      demo.stats.reset();
      const after = await fetchAll(Array.from({ length: 60 }, (_, i) => 800 + i));
      const seenAfter = demo.stats.snapshot().byHost[host];
      expect(seenAfter?.peakPerSecond).toBeLessThanOrEqual(Math.floor(RATE * 1.1));
      // Two fetchers on their old third each would take 1.5 times the ideal time.
      expect(after).toBeLessThan((60 / RATE) * 1.3);
    } finally {
      await publisher.close();
      await connection.close();
    }
  });
});
