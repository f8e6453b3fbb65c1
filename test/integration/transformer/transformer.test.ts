import {
  contentHash,
  documentIdFor,
  jobIdFor,
  type RawRecord,
  type StoreMessage,
  StoreMessageSchema,
  unpackBody,
} from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { defaultTransform, runTransform } from '@tributary/transform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageFor, recordFor } from '../../../services/demo-api/src/content.ts';
import { countMessages, type TestBroker, useBroker } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  collector,
  killAll,
  metricValue,
  publishRecords,
  rawRecordFor,
  startTransformer,
  TEST_CHUNKING,
  type TransformerProcess,
} from './harness.ts';

const demo = 'http://demo.test';
const pages = [1, 2, 3].map((id) =>
  rawRecordFor(
    `${demo}/pages/${id}`,
    pageFor(id, { paragraphs: 12 + id * 10 }).html,
    'text/html; charset=utf-8',
  ),
);
const records = [10, 11].map((id) =>
  rawRecordFor(`${demo}/records/${id}`, JSON.stringify(recordFor(id)), 'application/json', {
    meta: { tenant: 'acme' },
  }),
);
const markdown = rawRecordFor(
  `${demo}/notes.md`,
  '# Release notes\n\nThe transformer now runs in worker processes.\n\nEach has its own broker connection.',
  'text/markdown',
);
const notModified: RawRecord = {
  ...rawRecordFor(`${demo}/pages/4`, '', 'text/html'),
  status: 304,
  bytes: 0,
  etag: '"v1"',
};
const transformed = [...pages, ...records, markdown];

let broker: TestBroker;
let service: TransformerProcess;
const outputs = new Map<string, StoreMessage>();

beforeAll(async () => {
  broker = await useBroker();
  service = await startTransformer(broker.amqpUrl, { TRANSFORM_WORKERS: '2' });
  await service.waitUntilReady(2);
  await publishRecords(broker.amqpUrl, [...transformed, notModified]);
  const docs = collector(broker.amqpUrl, 'store.docs');
  await waitFor(
    async () => {
      for (const { body } of await docs.take()) outputs.set(body.source.jobId, body);
      return outputs.size === transformed.length + 1;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `a StoreMessage per record (have ${outputs.size}; ${service.tail()})`,
    },
  );
});

afterAll(async () => {
  await service?.stop();
  await killAll();
  await broker?.[Symbol.asyncDispose]();
});

describe('transformer service', () => {
  it('turns HTML pages, JSON records and Markdown into Documents with deterministic ids, all chunks of a source in one message', async () => {
    const logger = createLogger({ service: 'transformer-test', level: 'silent' });
    for (const record of transformed) {
      const message = outputs.get(record.jobId);
      expect(StoreMessageSchema.safeParse(message).success).toBe(true);
      if (message?.kind !== 'documents')
        throw new Error(`${record.url}: expected documents, got ${message?.kind}`);
      // The same record through the same transform here: the service must have produced the same chunks.
      const expected = await runTransform(defaultTransform, record, {
        config: { chunking: TEST_CHUNKING },
        logger,
      });
      if (expected.kind !== 'documents') throw new Error('unreachable');
      const n = expected.documents.length;
      expect(n).toBeGreaterThan(0);
      expect(message.source).toEqual({
        jobId: jobIdFor({ url: record.url }),
        url: record.url,
        status: 200,
        contentHash: contentHash(unpackBody(record)),
        chunkCount: n,
        fetchedAt: record.fetchedAt,
      });
      expect(message.documents.map((d) => d._id)).toEqual(
        Array.from({ length: n }, (_, i) => documentIdFor(record.jobId, i)),
      );
      expect(message.documents.map((d) => [d.chunkIndex, d.chunkCount])).toEqual(
        Array.from({ length: n }, (_, i) => [i, n]),
      );
      expect(message.documents.map((d) => d.text)).toEqual(expected.documents.map((d) => d.text));
      expect(message.documents.map((d) => d.title)).toEqual(expected.documents.map((d) => d.title));
      expect(message.documents.map((d) => d.meta)).toEqual(expected.documents.map((d) => d.meta));
      for (const document of message.documents) {
        expect(document.contentHash).toBe(message.source.contentHash);
        expect(document.sourceUrl).toBe(record.url);
        expect(document.tokenCount).toBeLessThanOrEqual(TEST_CHUNKING.maxTokens);
      }
    }
    // Pages are big enough (and gzip-packed) to be several chunks; the boilerplate never makes it in.
    const page = outputs.get(pages[2]?.jobId ?? '');
    if (page?.kind !== 'documents') throw new Error('expected documents');
    expect(page.documents.length).toBeGreaterThan(3);
    expect(pages[2]?.compressed).toBe('gzip');
    const text = page.documents.map((d) => d.text).join('\n');
    expect(text).toContain(pageFor(3, { paragraphs: 42 }).paragraphs[5]);
    expect(text).not.toMatch(/cookie|localStorage|Subscribe/i);
    expect(page.documents[0]?.title).toBe(pageFor(3).title);
    // The job's meta reaches every Document of a JSON record.
    const json = outputs.get(records[0]?.jobId ?? '');
    if (json?.kind !== 'documents') throw new Error('expected documents');
    expect(json.documents[0]?.meta).toEqual({ tenant: 'acme' });
    expect(json.documents[0]?.title).toBe(recordFor(10).title);
  });

  it('passes a 304 on as a not-modified touch', () => {
    expect(outputs.get(notModified.jobId)).toEqual({
      kind: 'not-modified',
      source: { jobId: notModified.jobId, url: notModified.url, fetchedAt: notModified.fetchedAt },
    });
  });

  it("serves the workers' metrics summed on the primary, beside its own", async () => {
    let text = '';
    await waitFor(
      async () => {
        text = await service.metrics();
        return metricValue(text, 'tributary_transform_records_total') === transformed.length + 1;
      },
      { timeoutMs: 10_000, what: 'every record counted' },
    );
    expect(metricValue(text, 'tributary_transform_records_received_total')).toBe(transformed.length + 1);
    expect(metricValue(text, 'tributary_transform_records_total', { outcome: 'transformed' })).toBe(
      transformed.length,
    );
    expect(metricValue(text, 'tributary_transform_records_total', { outcome: 'not-modified' })).toBe(1);
    const documents = [...outputs.values()].reduce(
      (sum, m) => sum + (m.kind === 'documents' ? m.documents.length : 0),
      0,
    );
    expect(metricValue(text, 'tributary_transform_documents_total')).toBe(documents);
    expect(metricValue(text, 'tributary_transform_chunks_per_record_count')).toBe(transformed.length);
    expect(metricValue(text, 'tributary_transform_chunks_per_record_sum')).toBe(documents);
    expect(metricValue(text, 'tributary_transform_duration_seconds_count', { kind: 'html' })).toBe(
      pages.length,
    );
    expect(metricValue(text, 'tributary_transform_duration_seconds_count', { kind: 'json' })).toBe(
      records.length,
    );
    expect(metricValue(text, 'tributary_messages_acked_total', { stage: 'transform' })).toBe(
      transformed.length + 1,
    );
    // Each worker has its own broker connection: the gauge sums to 2.
    expect(metricValue(text, 'tributary_broker_connected')).toBe(2);
    expect(metricValue(text, 'tributary_transform_workers', { state: 'ready' })).toBe(2);
    expect(metricValue(text, 'tributary_transform_worker_restarts_total')).toBe(0);
    expect(metricValue(text, 'tributary_transform_crash_loop')).toBe(0);
    // One family per name, even though two workers report it.
    const families = text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE tributary_transform_records_total '));
    expect(families).toHaveLength(1);
    expect(await countMessages(broker.amqpUrl, 'transform.dead')).toBe(0);
  });
});
