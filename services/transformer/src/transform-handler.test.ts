import type { RawRecord, StoreMessage } from '@tributary/contracts';
import { createLogger, createRegistry } from '@tributary/core';
import { type Delivery, ShuttingDownError } from '@tributary/messaging';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { encodeStoreMessage } from './encoded-store-message.ts';
import { TransformTimeoutError } from './errors.ts';
import { TransformMetrics } from './metrics.ts';
import { createTransformHandler } from './transform-handler.ts';
import type { TransformOutput } from './transform-runner.ts';

const record: RawRecord = {
  jobId: 'job-1',
  url: 'https://source.example/a',
  finalUrl: 'https://source.example/a',
  status: 200,
  contentType: 'text/html; charset=utf-8',
  fetchedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 3,
  bytes: 5,
  body: 'hello',
  bodyEncoding: 'utf8',
};

const notModified: RawRecord = { ...record, status: 304, body: '', bytes: 0, etag: '"v1"' };

const documents: StoreMessage = {
  kind: 'documents',
  source: {
    jobId: 'job-1',
    url: record.url,
    status: 200,
    contentHash: 'a'.repeat(64),
    chunkCount: 0,
    fetchedAt: record.fetchedAt,
  },
  documents: [],
};

const delivery = {
  stage: 'transform',
  messageId: 'job-1',
  attempt: 1,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  redelivered: false,
  routingKey: 'transform',
  headers: {},
  logger: createLogger({ service: 'transform-handler-test', level: 'silent' }),
} satisfies Delivery;

function handlerWith(run: (record: RawRecord) => Promise<TransformOutput>) {
  const registry = createRegistry('transformer', { defaultMetrics: false });
  /** The bodies published, as sent and as the writer reads them. */
  const bodies: Buffer[] = [];
  const published: StoreMessage[] = [];
  const handle = createTransformHandler({
    run,
    publish: async (body) => {
      bodies.push(body);
      published.push(JSON.parse(body.toString('utf8')) as StoreMessage);
    },
    metrics: new TransformMetrics(registry),
  });
  return { handle, bodies, published, registry };
}

async function count(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('transform handler', () => {
  it('passes a 304 on as a not-modified touch; the transform never sees it', async () => {
    const { handle, bodies, published, registry } = handlerWith(() => {
      throw new Error('a 304 reached the transform');
    });
    await handle(notModified, delivery);
    expect(published).toEqual([
      {
        kind: 'not-modified',
        source: { jobId: notModified.jobId, url: notModified.url, fetchedAt: notModified.fetchedAt },
      },
    ]);
    expect(bodies[0]?.equals(Buffer.from(JSON.stringify(published[0])))).toBe(true);
    expect(await count(registry, 'tributary_transform_records_total', { outcome: 'not-modified' })).toBe(1);
  });

  it("keeps the job's batch on a not-modified touch, so the batch learns the job ended unchanged", async () => {
    const { handle, published } = handlerWith(() => {
      throw new Error('a 304 reached the transform');
    });
    await handle({ ...notModified, batch: 'b-1' }, delivery);
    expect(published).toEqual([
      {
        kind: 'not-modified',
        source: {
          jobId: notModified.jobId,
          url: notModified.url,
          fetchedAt: notModified.fetchedAt,
          batch: 'b-1',
        },
      },
    ]);
  });

  it('publishes what the transform made and counts the record as transformed', async () => {
    const { handle, published, registry } = handlerWith(async () => ({
      message: encodeStoreMessage(documents),
      durationMs: 12,
    }));
    await handle(record, delivery);
    expect(published).toEqual([documents]);
    expect(await count(registry, 'tributary_transform_records_total', { outcome: 'transformed' })).toBe(1);
    expect(await count(registry, 'tributary_transform_duration_seconds', { kind: 'html' })).toBeGreaterThan(
      0,
    );
  });

  it('publishes the bytes the thread encoded as they are, and counts their documents', async () => {
    const threeChunks = encodeStoreMessage({
      ...documents,
      documents: [0, 1, 2].map((chunkIndex) => ({
        _id: `job-1:${chunkIndex}`,
        jobId: 'job-1',
        sourceUrl: record.url,
        text: `chunk ${chunkIndex}`,
        chunkIndex,
        chunkCount: 3,
        contentHash: 'a'.repeat(64),
        tokenCount: 2,
        fetchedAt: record.fetchedAt,
        transformedAt: record.fetchedAt,
      })),
    });
    const { handle, bodies, registry } = handlerWith(async () => ({ message: threeChunks, durationMs: 5 }));
    await handle(record, delivery);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toBe(threeChunks.body);
    expect(await count(registry, 'tributary_transform_documents_total')).toBe(3);
    const chunksPerRecord = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'tributary_transform_chunks_per_record',
    );
    expect(chunksPerRecord?.values).toContainEqual(
      expect.objectContaining({ metricName: 'tributary_transform_chunks_per_record_sum', value: 3 }),
    );
  });

  it('fails the attempt with the transform’s error, counted by its reason', async () => {
    const { handle, published, registry } = handlerWith(() => Promise.reject(new TransformTimeoutError(100)));
    await expect(handle(record, delivery)).rejects.toMatchObject({ reason: 'transform-timeout' });
    expect(published).toEqual([]);
    expect(await count(registry, 'tributary_transform_records_total', { outcome: 'failed' })).toBe(1);
    expect(await count(registry, 'tributary_transform_errors_total', { reason: 'transform-timeout' })).toBe(
      1,
    );
  });

  it('hands back a record the stopping runner refused, counted as deferred, not as a failed attempt', async () => {
    const { handle, published, registry } = handlerWith(() =>
      Promise.reject(new ShuttingDownError('the transform runner is closed')),
    );
    await expect(handle(record, delivery)).rejects.toBeInstanceOf(ShuttingDownError);
    expect(published).toEqual([]);
    expect(await count(registry, 'tributary_transform_records_total', { outcome: 'deferred' })).toBe(1);
    expect(await count(registry, 'tributary_transform_records_total', { outcome: 'failed' })).toBe(0);
    expect(await count(registry, 'tributary_transform_errors_total')).toBe(0);
  });
});
