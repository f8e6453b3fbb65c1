import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADERS, type RawRecord } from '@tributary/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { pageFor } from '../../../services/demo-api/src/content.ts';
import { countMessages, type TestBroker, takeAll, useBroker } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  collector,
  killAll,
  metricValue,
  publishRecords,
  rawRecordFor,
  startTransformer,
  type TransformerProcess,
} from './harness.ts';

const SCRIPTED = './test/integration/transformer/fixtures/scripted-transform.ts';

let broker: TestBroker | undefined;
let service: TransformerProcess | undefined;

afterEach(async () => {
  await service?.stop();
  await killAll();
  await broker?.[Symbol.asyncDispose]();
  service = undefined;
  broker = undefined;
});

/** Demo pages whose transform also burns `burnMs` of CPU, so that workers are busy when the test acts. */
function slowPages(count: number, burnMs: number): RawRecord[] {
  return Array.from({ length: count }, (_, i) =>
    rawRecordFor(`http://demo.test/pages/${100 + i}`, pageFor(100 + i).html, 'text/html', {
      meta: { script: { burnMs } },
    }),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('transformer workers', () => {
  it('replaces a worker SIGKILLed mid-work, and every record still reaches store.docs', async () => {
    broker = await useBroker();
    const amqpUrl = broker.amqpUrl;
    service = await startTransformer(amqpUrl, {
      TRANSFORM_MODULE: SCRIPTED,
      TRANSFORM_WORKERS: '2',
      TRANSFORM_PREFETCH: '2',
    });
    await service.waitUntilReady(2);
    const records = slowPages(30, 150);
    await publishRecords(amqpUrl, records);
    const docs = collector(amqpUrl, 'store.docs');
    const distinct = () => new Set(docs.all.map((m) => m.body.source.jobId));
    await waitFor(async () => (await docs.take()).length >= 4, {
      timeoutMs: 30_000,
      what: `the first outputs (${service.tail()})`,
    });

    const victim = service.forked().find((w) => w.slot === 0);
    if (victim === undefined) throw new Error('no worker in slot 0');
    // Mid-work: with records still queued, each worker holds two unacked records.
    expect(await countMessages(amqpUrl, 'transform.raw')).toBeGreaterThan(0);
    process.kill(victim.pid, 'SIGKILL');

    const s = service;
    await waitFor(() => s.forked().filter((w) => w.slot === 0).length === 2, {
      timeoutMs: 10_000,
      what: `a replacement for worker 0 (${s.tail()})`,
    });
    const replacement = s.forked().filter((w) => w.slot === 0)[1];
    expect(replacement?.pid).not.toBe(victim.pid);
    expect(alive(replacement?.pid ?? 0)).toBe(true);
    expect(
      s
        .logs()
        .some(
          (line) =>
            line.msg === 'worker died; replacing it' && line.pid === victim.pid && line.signal === 'SIGKILL',
        ),
    ).toBe(true);

    await waitFor(
      async () => {
        await docs.take();
        return distinct().size === records.length;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `every record's output (have ${distinct().size})` },
    );
    expect([...distinct()].sort()).toEqual(records.map((r) => r.jobId).sort());
    expect(await countMessages(amqpUrl, 'transform.dead')).toBe(0);
    await s.waitUntilReady(2);
    const text = await s.metrics();
    expect(metricValue(text, 'tributary_transform_worker_restarts_total')).toBe(1);
    expect(metricValue(text, 'tributary_transform_workers', { state: 'running' })).toBe(2);
  });

  it('on SIGTERM drains every worker (finishing what they hold) and exits 0; a new service finishes the rest', async () => {
    broker = await useBroker();
    const amqpUrl = broker.amqpUrl;
    const env = { TRANSFORM_MODULE: SCRIPTED, TRANSFORM_WORKERS: '2', TRANSFORM_PREFETCH: '3' };
    service = await startTransformer(amqpUrl, env);
    await service.waitUntilReady(2);
    const workerPids = service.forked().map((w) => w.pid);
    const records = slowPages(40, 200);
    await publishRecords(amqpUrl, records);
    const docs = collector(amqpUrl, 'store.docs');
    await waitFor(async () => (await docs.take()).length >= 3, {
      timeoutMs: 30_000,
      what: `the first outputs (${service.tail()})`,
    });

    const code = await service.stop('SIGTERM');
    expect(code, service.tail()).toBe(0);
    for (const pid of workerPids) expect(alive(pid)).toBe(false);
    const logs = service.logs();
    expect(logs.filter((line) => line.msg === 'shutdown complete' && line.failed === false)).toHaveLength(3);
    expect(logs.some((line) => line.msg === 'worker died; replacing it')).toBe(false);

    // Drained: what the workers held was published and acked; the rest is still queued, nothing in between.
    await docs.take();
    const done = docs.all.length;
    expect(done).toBeLessThan(records.length);
    expect(done + (await countMessages(amqpUrl, 'transform.raw'))).toBe(records.length);

    service = await startTransformer(amqpUrl, env);
    await waitFor(async () => (await docs.take()).length >= records.length, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `every record's output (have ${docs.all.length})`,
    });
    expect(docs.all.map((m) => m.body.source.jobId).sort()).toEqual(records.map((r) => r.jobId).sort());
  });

  it('hands back the records a stopping worker had not transformed without spending their attempts', async () => {
    broker = await useBroker();
    const amqpUrl = broker.amqpUrl;
    const dir = mkdtempSync(join(tmpdir(), 'tributary-transformer-'));
    const broken = join(dir, 'module-broken');
    try {
      service = await startTransformer(amqpUrl, {
        TRANSFORM_MODULE: SCRIPTED,
        TRANSFORM_WORKERS: '1',
        TRANSFORM_PREFETCH: '3',
        SCRIPTED_TRANSFORM_BROKEN_WHILE: broken,
      });
      await service.waitUntilReady(1);
      // From now on the module does not load: once the worker's thread dies, it cannot be replaced, and the
      // worker stops with two records waiting for the thread.
      writeFileSync(broken, '');
      const crashing = rawRecordFor('http://demo.test/pages/99', pageFor(99).html, 'text/html', {
        meta: { script: { burnMs: 500, crash: true } },
      });
      const held = slowPages(2, 0);
      await publishRecords(amqpUrl, [crashing, ...held]);

      const s = service;
      await waitFor(
        () => s.logs().some((line) => line.msg === 'a replacement transform thread could not start'),
        { timeoutMs: 20_000, what: `the worker to lose its thread for good (${s.tail()})` },
      );
      // Back in transform.raw through the delay queues; no worker takes them while the module does not load.
      await waitFor(async () => (await countMessages(amqpUrl, 'transform.raw')) === 3, {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: `the three records back in transform.raw (${s.tail()})`,
      });
      await s.stop();
      const back = new Map(
        (await takeAll<RawRecord>(amqpUrl, 'transform.raw')).map((m) => [m.body.jobId, m.headers]),
      );
      // The record whose transform killed the thread spent an attempt (it may have come back in time to be
      // handed back as well, which spends none); those only waiting for the thread spent none.
      expect(back.get(crashing.jobId)?.[HEADERS.attempt]).toBe(2);
      for (const record of held) {
        const headers = back.get(record.jobId);
        expect(headers).toMatchObject({ [HEADERS.attempt]: 1, [HEADERS.retryReason]: 'shutting-down' });
        expect(headers?.[HEADERS.deferrals]).toBeGreaterThanOrEqual(1);
      }
      expect(await countMessages(amqpUrl, 'transform.dead')).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls a worker that keeps dying a crash loop: logs it as an error and fails /readyz, then recovers', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, {
      TRANSFORM_WORKERS: '2',
      TRANSFORM_RESTART_BASE_MS: '50',
      TRANSFORM_CRASH_LOOP_RESTARTS: '3',
      TRANSFORM_CRASH_LOOP_WINDOW_MS: '6000',
    });
    await service.waitUntilReady(2);
    const s = service;
    for (let deaths = 1; deaths <= 3; deaths++) {
      const current = s.forked().filter((w) => w.slot === 1);
      const pid = current.at(-1)?.pid ?? 0;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => s.forked().filter((w) => w.slot === 1).length === current.length + 1, {
        timeoutMs: 10_000,
        what: `replacement ${deaths} of worker 1 (${s.tail()})`,
      });
    }
    const loop = s
      .logs()
      .find((line) => line.level === 'error' && String(line.msg).startsWith('worker crash loop'));
    expect(loop).toMatchObject({ slot: 1, deaths: 3 });
    const readiness = await s.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.workers?.detail).toMatch(/^crash loop: worker 1/);
    const text = await s.metrics();
    expect(metricValue(text, 'tributary_transform_crash_loop')).toBe(1);
    expect(metricValue(text, 'tributary_transform_worker_restarts_total')).toBe(3);
    // The deaths leave the window: ready again, with both workers.
    await s.waitUntilReady(2, 15_000);
  });

  it('stops its workers when the primary itself is killed, leaving no orphan consuming', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, { TRANSFORM_WORKERS: '2' });
    await service.waitUntilReady(2);
    const pids = service.forked().map((w) => w.pid);
    await service.stop('SIGKILL');
    await waitFor(() => pids.every((pid) => !alive(pid)), {
      timeoutMs: 20_000,
      what: `workers ${pids.join(', ')} to exit after their primary`,
    });
  });
});
