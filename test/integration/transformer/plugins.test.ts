import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { documentIdFor, type RawRecord } from '@tributary/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { pageFor, recordFor } from '../../../services/demo-api/src/content.ts';
import { type TestBroker, useBroker } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  collector,
  killAll,
  metricValue,
  publishRecords,
  ROOT,
  rawRecordFor,
  startTransformer,
  type TransformerProcess,
} from './harness.ts';

const SCRIPTED = './test/integration/transformer/fixtures/scripted-transform.ts';
const demo = 'http://demo.test';

let broker: TestBroker | undefined;
let service: TransformerProcess | undefined;

afterEach(async () => {
  await service?.stop();
  await killAll();
  await broker?.[Symbol.asyncDispose]();
  service = undefined;
  broker = undefined;
});

function scripted(id: string, script: Record<string, unknown>): RawRecord {
  return rawRecordFor(`${demo}/records/${id}`, JSON.stringify(recordFor(id)), 'application/json', {
    meta: { script },
  });
}

describe('transform plugins', () => {
  it('loads a plugin from a path: the example keeps English sources and empties the others', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, {
      TRANSFORM_MODULE: 'examples/english-only-transform.ts',
      TRANSFORM_WORKERS: '1',
    });
    const english = rawRecordFor(
      `${demo}/records/en`,
      JSON.stringify({ ...recordFor('en'), lang: 'en-GB' }),
      'application/json',
    );
    const french = rawRecordFor(
      `${demo}/records/fr`,
      JSON.stringify({ ...recordFor('fr'), lang: 'fr' }),
      'application/json',
    );
    const page = rawRecordFor(`${demo}/pages/5`, pageFor(5).html, 'text/html');
    await publishRecords(broker.amqpUrl, [english, french, page]);
    const docs = collector(broker.amqpUrl, 'store.docs');
    await waitFor(async () => (await docs.take()).length === 3, {
      timeoutMs: 30_000,
      what: `three StoreMessages (${service.tail()})`,
    });
    const byJob = new Map(docs.all.map(({ body }) => [body.source.jobId, body]));
    const en = byJob.get(english.jobId);
    const fr = byJob.get(french.jobId);
    const html = byJob.get(page.jobId);
    if (en?.kind !== 'documents' || fr?.kind !== 'documents' || html?.kind !== 'documents') {
      throw new Error('expected three documents messages');
    }
    expect(en.documents.length).toBeGreaterThan(0);
    expect(en.documents.map((d) => d._id)).toEqual(
      en.documents.map((_, i) => documentIdFor(english.jobId, i)),
    );
    expect(en.documents.every((d) => d.meta?.lang === 'en-GB')).toBe(true);
    // The page declares <html lang="en">.
    expect(html.documents.length).toBeGreaterThan(0);
    expect(html.documents[0]?.meta?.lang).toBe('en');
    // Not English: a source with no documents (the writer drops what an earlier version left).
    expect(fr.source.chunkCount).toBe(0);
    expect(fr.documents).toEqual([]);
    expect(service.logs().some((line) => line.msg === 'not an English source: no documents')).toBe(true);
  });

  it('retries a transform that throws, then dead-letters the record with its error message', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, {
      TRANSFORM_MODULE: SCRIPTED,
      TRANSFORM_WORKERS: '1',
      TRANSFORM_MAX_ATTEMPTS: '3',
    });
    const failing = scripted('fails', { fail: 'the fixture cannot read this record' });
    const rejected = scripted('rejected', { reject: 'the fixture refuses this record' });
    const fine = scripted('fine', {});
    await publishRecords(broker.amqpUrl, [failing, rejected, fine]);
    const dead = collector<RawRecord>(broker.amqpUrl, 'transform.dead');
    await waitFor(async () => (await dead.take()).length === 2, {
      timeoutMs: 30_000,
      what: `two dead letters (${service.tail()})`,
    });
    const byJob = new Map(dead.all.map((m) => [m.body.jobId, m.headers]));
    expect(byJob.get(failing.jobId)).toMatchObject({
      'x-error-reason': 'transform-error',
      'x-error-message': 'the fixture cannot read this record',
      'x-failed-stage': 'transform',
      'x-attempt': 3,
    });
    // An error that says it is not retryable is dead at once, with its own reason.
    expect(byJob.get(rejected.jobId)).toMatchObject({
      'x-error-reason': 'fixture-rejects',
      'x-error-message': 'the fixture refuses this record',
      'x-attempt': 1,
    });
    const docs = collector(broker.amqpUrl, 'store.docs');
    await waitFor(async () => (await docs.take()).length === 1, {
      timeoutMs: 10_000,
      what: 'the good record',
    });
    expect(docs.all[0]?.body.source.jobId).toBe(fine.jobId);
    const text = await service.metrics();
    expect(metricValue(text, 'tributary_transform_errors_total', { reason: 'transform-error' })).toBe(3);
    expect(metricValue(text, 'tributary_transform_errors_total', { reason: 'fixture-rejects' })).toBe(1);
    expect(metricValue(text, 'tributary_messages_dead_lettered_total', { stage: 'transform' })).toBe(2);
  });

  it('keeps the broker connection through a synchronous transform longer than two heartbeat intervals', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, {
      TRANSFORM_MODULE: SCRIPTED,
      TRANSFORM_WORKERS: '1',
      AMQP_HEARTBEAT_SECONDS: '1',
    });
    await service.waitUntilReady(1);
    const slow = scripted('slow', { burnMs: 4_000 });
    await publishRecords(broker.amqpUrl, [slow]);
    const docs = collector(broker.amqpUrl, 'store.docs');
    await waitFor(async () => (await docs.take()).length >= 1, {
      timeoutMs: 30_000,
      what: `the slow record's documents (${service.tail()})`,
    });
    expect(service.logs().some((line) => line.msg === 'burned the CPU' && line.burnMs === 4_000)).toBe(true);
    // Another heartbeat timeout's worth of time: a connection the broker dropped would have been noticed.
    const settled = Date.now() + 2_500;
    await waitFor(() => Date.now() > settled, { timeoutMs: 5_000, what: 'time to pass' });
    const text = await service.metrics();
    expect(metricValue(text, 'tributary_broker_reconnects_total')).toBe(0);
    expect(metricValue(text, 'tributary_broker_connected')).toBe(1);
    // Processed once: delivered once, never returned to the queue by a lost connection.
    expect(metricValue(text, 'tributary_messages_consumed_total', { stage: 'transform' })).toBe(1);
    expect(await docs.take()).toHaveLength(1);
    expect(service.logs().filter((line) => line.msg === 'disconnected from broker; reconnecting')).toEqual(
      [],
    );
  });

  it('aborts a transform that runs past TRANSFORM_TIMEOUT_MS, replaces its thread, and dead-letters the record after its attempts', async () => {
    broker = await useBroker();
    service = await startTransformer(broker.amqpUrl, {
      TRANSFORM_MODULE: SCRIPTED,
      TRANSFORM_WORKERS: '1',
      TRANSFORM_TIMEOUT_MS: '300',
      TRANSFORM_MAX_ATTEMPTS: '2',
    });
    const stuck = scripted('stuck', { burnMs: 60_000 });
    const fine = scripted('after-stuck', {});
    await publishRecords(broker.amqpUrl, [stuck, fine]);
    const dead = collector<RawRecord>(broker.amqpUrl, 'transform.dead');
    await waitFor(async () => (await dead.take()).length === 1, {
      timeoutMs: 30_000,
      what: `the stuck record dead-lettered (${service.tail()})`,
    });
    expect(dead.all[0]?.headers).toMatchObject({
      'x-error-reason': 'transform-timeout',
      'x-attempt': 2,
    });
    expect(String(dead.all[0]?.headers['x-error-message'])).toContain('TRANSFORM_TIMEOUT_MS');
    const docs = collector(broker.amqpUrl, 'store.docs');
    await waitFor(async () => (await docs.take()).length === 1, {
      timeoutMs: 10_000,
      what: 'the next record',
    });
    // Each attempt's thread ignored the abort (a synchronous loop) and was terminated; the worker lived on.
    let text = '';
    await waitFor(
      async () => {
        text = (await service?.metrics()) ?? '';
        return (
          metricValue(text, 'tributary_transform_thread_replacements_total', { reason: 'timeout' }) === 2
        );
      },
      { timeoutMs: 10_000, what: 'two thread replacements' },
    );
    expect(metricValue(text, 'tributary_transform_worker_restarts_total')).toBe(0);
    expect(metricValue(text, 'tributary_transform_errors_total', { reason: 'transform-timeout' })).toBe(2);
  });

  it.each([
    {
      module: './examples/no-such-transform.ts',
      message: /TRANSFORM_MODULE=".\/examples\/no-such-transform.ts": no such file/,
    },
    {
      module: '@tributary/no-such-plugin',
      message: /TRANSFORM_MODULE="@tributary\/no-such-plugin": no such package/,
    },
    {
      module: './test/integration/transformer/fixtures/not-a-transform.ts',
      message:
        /TRANSFORM_MODULE=".*not-a-transform.ts": expected a default export or a named export "transform" that is a function.*it exports transform \(a string\)/,
    },
  ])(
    'stops at start with a message naming TRANSFORM_MODULE when $module gives no transform',
    async ({ module, message }) => {
      const result = spawnSync(
        process.execPath,
        [fileURLToPath(new URL('../../../services/transformer/src/main.ts', import.meta.url))],
        {
          cwd: ROOT,
          env: { ...process.env, TRANSFORM_MODULE: module, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1' },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      // A configuration error: exit 2 with the variable named, before a port is bound or a worker forked.
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('transformer: Invalid configuration:');
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    },
  );
});
