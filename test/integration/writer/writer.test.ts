import { BATCH_COLLECTIONS, documentIdFor } from '@tributary/contracts';
import { toStoredDocument } from '@tributary/writer';
import { afterEach, describe, expect, it } from 'vitest';
import { countMessages } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  documentsMessage,
  notModifiedMessage,
  secondaryIndexNames,
  serverKind,
  startWriterWorld,
  type WriterWorld,
} from './harness.ts';

let world: WriterWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(env: Record<string, string>): Promise<WriterWorld> {
  world = await startWriterWorld({ env });
  return world;
}

async function isFerretDB(w: WriterWorld): Promise<boolean> {
  const buildInfo = await w.db.admin().command({ buildInfo: 1 });
  return typeof buildInfo.ferretdbVersion === 'string';
}

describe('writer on a real broker and database', () => {
  it('writes a batch as soon as it holds WRITE_BATCH_SIZE documents, without waiting for its age', async () => {
    const w = await start({ WRITE_BATCH_SIZE: '20', WRITE_BATCH_MAX_MS: '600000' });
    const messages = ['a', 'b', 'c', 'd'].map((job) => documentsMessage(`size-${job}`, 5));
    const started = performance.now();
    await w.publish(...messages);
    await w.waitForDocuments(20, 15_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    // The chunks show before the batch has ended (its source records come last, then its metrics).
    await waitFor(async () => (await w.metric('tributary_writer_batch_documents')) >= 1, {
      timeoutMs: 5_000,
      what: 'the batch to end',
    });
    expect(await w.metric('tributary_writer_batch_documents')).toBe(1);
    expect(await w.sources.countDocuments()).toBe(4);
    await waitFor(async () => (await countMessages(w.broker.amqpUrl, 'store.docs')) === 0, {
      timeoutMs: 5_000,
    });
  });

  it('writes a partial batch once it is WRITE_BATCH_MAX_MS old, not before', async () => {
    const w = await start({ WRITE_BATCH_SIZE: '1000', WRITE_BATCH_MAX_MS: '400' });
    const started = performance.now();
    await w.publish(documentsMessage('age-a', 3), documentsMessage('age-b', 3));
    await w.waitForDocuments(6, 10_000);
    const elapsed = performance.now() - started;
    // The age counts from the message's arrival, which is after the publish was confirmed.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('stores every chunk as the message carries it, and one source record per job', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const message = documentsMessage('shape', 3, { etag: '"v1"', meta: (i) => ({ section: `s${i}` }) });
    await w.publish(message);
    await w.waitForDocuments(3);
    const stored = await w.documents.find().sort({ chunkIndex: 1 }).toArray();
    const [first] = message.documents;
    expect(stored[0]).toEqual({
      ...first,
      fetchedAt: new Date(first?.fetchedAt ?? ''),
      transformedAt: new Date(first?.transformedAt ?? ''),
    });
    expect(stored.map((d) => d._id)).toEqual([0, 1, 2].map((i) => documentIdFor('shape', i)));
    await waitFor(async () => (await w.sources.countDocuments()) === 1, { timeoutMs: 5_000 });
    expect(await w.sources.findOne({ _id: 'shape' })).toEqual({
      _id: 'shape',
      url: message.source.url,
      status: 200,
      etag: '"v1"',
      contentHash: message.source.contentHash,
      chunkCount: 3,
      contentFetchedAt: new Date(message.source.fetchedAt),
      lastFetchedAt: new Date(message.source.fetchedAt),
    });
  });

  it('creates the indexes beyond _id where the server looks documents up through them, and none on FerretDB on SQLite', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    await w.publish(documentsMessage('indexed', 2, { batch: 'indexes' }));
    await w.waitForDocuments(2);
    await waitFor(async () => (await w.db.collection(BATCH_COLLECTIONS.jobs).countDocuments()) === 1, {
      timeoutMs: 5_000,
      what: 'the batch record',
    });
    const kind = await serverKind(w.db, 'documents');
    // FerretDB 1.x on SQLite plans every filter but one `_id` equality as a scan of the table: an index beyond
    // `_id` would only cost every insert.
    const everyIndex = kind !== 'ferretdb-sqlite';
    expect(await secondaryIndexNames(w.documents)).toEqual(
      everyIndex ? ['contentHash_1', 'jobId_1_chunkIndex_1', 'sourceUrl_1', 'transformedAt_1'] : [],
    );
    expect(await secondaryIndexNames(w.db.collection(BATCH_COLLECTIONS.jobs))).toEqual(
      everyIndex ? ['batch_1_outcome_1'] : [],
    );
  });

  it('changes nothing when a message is delivered again: same count, same content', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const message = documentsMessage('replayed', 4);
    await w.publish(message);
    await w.waitForDocuments(4);
    await waitFor(async () => (await w.sources.countDocuments()) === 1, { timeoutMs: 5_000 });
    const before = await w.documents.find().sort({ _id: 1 }).toArray();
    const sourceBefore = await w.sources.findOne({ _id: 'replayed' });

    await w.publish(message, message);
    // Two equal messages in one batch write once (the earlier one is superseded); apart, each is unchanged.
    const replayed = async () =>
      (await w.metric('tributary_writer_documents_total', { result: 'unchanged' })) +
      (await w.metric('tributary_writer_documents_total', { result: 'skipped' }));
    await waitFor(async () => (await replayed()) === 8, { timeoutMs: 10_000, what: 'both replays handled' });
    expect(await w.documents.find().sort({ _id: 1 }).toArray()).toEqual(before);
    expect(await w.sources.findOne({ _id: 'replayed' })).toEqual(sourceBefore);
    expect(await w.metric('tributary_writer_documents_total', { result: 'inserted' })).toBe(4);
    expect(await w.metric('tributary_writer_documents_total', { result: 'updated' })).toBe(0);
  });

  it('removes the chunks a source no longer has when it comes back with fewer, and ignores an older fetch arriving late', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const v1 = documentsMessage('shrinks', 6, { fetchedAt: '2026-01-01T00:00:00.000Z' });
    const v2 = documentsMessage('shrinks', 2, { fetchedAt: '2026-01-02T00:00:00.000Z' });
    await w.publish(v1);
    await w.waitForDocuments(6);
    await waitFor(async () => (await w.sources.countDocuments({ chunkCount: 6 })) === 1, {
      timeoutMs: 5_000,
    });

    await w.publish(v2);
    await w.waitForDocuments(2);
    const remaining = await w.documents.find().sort({ chunkIndex: 1 }).toArray();
    expect(remaining.map((d) => [d.chunkIndex, d.text])).toEqual(
      v2.documents.map((d) => [d.chunkIndex, d.text]),
    );
    await waitFor(async () => (await w.sources.countDocuments({ chunkCount: 2 })) === 1, {
      timeoutMs: 5_000,
    });
    expect(await w.metric('tributary_writer_stale_chunks_deleted_total')).toBe(4);

    await w.publish(v1);
    await waitFor(
      async () => (await w.metric('tributary_writer_documents_total', { result: 'skipped' })) === 6,
      {
        timeoutMs: 10_000,
        what: 'the late v1 handled',
      },
    );
    const after = await w.documents.find().sort({ chunkIndex: 1 }).toArray();
    expect(after.map((d) => [d.chunkIndex, d.text])).toEqual(v2.documents.map((d) => [d.chunkIndex, d.text]));
    expect(await w.sources.findOne({ _id: 'shrinks' })).toMatchObject({
      chunkCount: 2,
      contentFetchedAt: new Date(v2.source.fetchedAt),
    });
  });

  it('finishes the work of a writer that crashed between writing the chunks and the source record', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const v1 = documentsMessage('crashed', 5, { fetchedAt: '2026-01-01T00:00:00.000Z' });
    const v2 = documentsMessage('crashed', 3, { fetchedAt: '2026-01-02T00:00:00.000Z' });
    // What the crashed writer left: v1's chunks, and no source record.
    await w.documents.insertMany(v1.documents.map(toStoredDocument));
    await w.publish(v2);
    await waitFor(async () => (await w.sources.countDocuments()) === 1, {
      timeoutMs: 10_000,
      what: 'the record',
    });
    const stored = await w.documents.find().sort({ chunkIndex: 1 }).toArray();
    expect(stored.map((d) => [d.chunkIndex, d.text])).toEqual(
      v2.documents.map((d) => [d.chunkIndex, d.text]),
    );
    expect(await w.sources.findOne({ _id: 'crashed' })).toMatchObject({ chunkCount: 3 });
    expect(await w.metric('tributary_writer_documents_total', { result: 'updated' })).toBe(3);
    expect(await w.metric('tributary_writer_stale_chunks_deleted_total')).toBe(2);
  });

  it('gives chunks to a source stored without any, and takes back what a late older fetch put in', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const empty = documentsMessage('was-empty', 0, { fetchedAt: '2026-01-01T00:00:00.000Z' });
    const filled = documentsMessage('was-empty', 3, { fetchedAt: '2026-01-02T00:00:00.000Z' });
    await w.publish(empty);
    await waitFor(async () => (await w.sources.countDocuments({ chunkCount: 0 })) === 1, {
      timeoutMs: 10_000,
      what: 'the record of the source without chunks',
    });
    // None of its chunks exist, yet its record does.
    await w.publish(filled);
    await waitFor(async () => (await w.sources.countDocuments({ chunkCount: 3 })) === 1, {
      timeoutMs: 10_000,
      what: 'the record of the three chunks',
    });
    expect((await w.documents.find().sort({ chunkIndex: 1 }).toArray()).map((d) => d.text)).toEqual(
      filled.documents.map((d) => d.text),
    );

    // Older than the stored content, with none of its chunks stored: they go in before the record is read,
    // and must come out again.
    const cleared = documentsMessage('was-cleared', 0, { fetchedAt: '2026-01-03T00:00:00.000Z' });
    const late = documentsMessage('was-cleared', 4, { fetchedAt: '2026-01-02T00:00:00.000Z' });
    await w.publish(cleared);
    await waitFor(async () => (await w.sources.countDocuments({ _id: 'was-cleared' })) === 1, {
      timeoutMs: 10_000,
      what: 'the record of the cleared source',
    });
    await w.publish(late);
    await waitFor(
      async () => (await w.metric('tributary_writer_documents_total', { result: 'skipped' })) === 4,
      { timeoutMs: 10_000, what: 'the late fetch skipped' },
    );
    expect(await w.documents.countDocuments({ jobId: 'was-cleared' })).toBe(0);
    expect(await w.sources.findOne({ _id: 'was-cleared' })).toMatchObject({
      chunkCount: 0,
      contentFetchedAt: new Date(cleared.source.fetchedAt),
    });
  });

  it('a not-modified touches only the source’s lastFetchedAt', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const message = documentsMessage('unchanged-source', 2, { etag: '"e1"' });
    await w.publish(message);
    await w.waitForDocuments(2);
    await waitFor(async () => (await w.sources.countDocuments()) === 1, { timeoutMs: 5_000 });
    const documentsBefore = await w.documents.find().sort({ _id: 1 }).toArray();
    const sourceBefore = await w.sources.findOne({ _id: 'unchanged-source' });

    await w.publish(notModifiedMessage('unchanged-source', '2026-03-01T00:00:00.000Z'));
    await waitFor(
      async () =>
        (await w.sources.findOne({ _id: 'unchanged-source' }))?.lastFetchedAt.getTime() ===
        Date.parse('2026-03-01T00:00:00.000Z'),
      { timeoutMs: 10_000, what: 'lastFetchedAt moved' },
    );
    expect(await w.sources.findOne({ _id: 'unchanged-source' })).toEqual({
      ...sourceBefore,
      lastFetchedAt: new Date('2026-03-01T00:00:00.000Z'),
    });
    expect(await w.documents.find().sort({ _id: 1 }).toArray()).toEqual(documentsBefore);
    // A not-modified for a source never stored creates nothing.
    await w.publish(notModifiedMessage('never-stored', '2026-03-01T00:00:00.000Z'));
    await waitFor(
      async () => (await w.metric('tributary_writer_sources_written_total', { kind: 'touch' })) === 2,
      {
        timeoutMs: 10_000,
      },
    );
    expect(await w.sources.countDocuments()).toBe(1);
  });

  it('dead-letters a document too large for the server, with the reason, while the rest of the batch lands', async () => {
    const w = await start({ WRITE_BATCH_SIZE: '100', WRITE_BATCH_MAX_MS: '1500' });
    const limit = (await w.db.admin().command({ hello: 1 })).maxBsonObjectSize as number;
    const huge = documentsMessage('too-large', 3, {
      text: (i) => (i === 1 ? 'x'.repeat(limit + 1024) : `small chunk ${i}`),
    });
    const others = ['a', 'b', 'c'].map((job) => documentsMessage(`fits-${job}`, 4));
    await w.publish(huge, ...others);

    const [dead] = await w.waitForDeadLetters(1, 30_000);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'document-refused', 'x-failed-stage': 'store' });
    expect(String(dead?.headers['x-error-message'])).toMatch(/chunk 1 \(_id \w+\) is \d+ bytes as BSON/);
    expect(dead?.body.source.jobId).toBe('too-large');
    await w.waitForDocuments(12);
    expect(await w.documents.countDocuments({ jobId: 'too-large' })).toBe(0);
    expect(await w.sources.findOne({ _id: 'too-large' })).toBeNull();
    expect(await w.metric('tributary_writer_documents_total', { result: 'refused' })).toBe(3);
  });

  it('dead-letters a document the server refuses, with the driver’s message, and writes the rest of its batch', async (ctx) => {
    const w = await start({ WRITE_BATCH_SIZE: '100', WRITE_BATCH_MAX_MS: '1000' });
    // MongoDB 5+ stores `$`-prefixed field names in subdocuments; FerretDB 1.x refuses them, which makes a
    // refusal by the server itself that a test can produce.
    if (!(await isFerretDB(w))) ctx.skip('the server accepts $-prefixed field names');
    const refused = documentsMessage('refused-key', 3, {
      meta: (i) => (i === 1 ? { $where: 'x' } : { ok: true }),
    });
    const others = ['a', 'b', 'c', 'd'].map((job) => documentsMessage(`accepted-${job}`, 3));
    await w.publish(others[0] ?? refused, refused, ...others.slice(1));

    const [dead] = await w.waitForDeadLetters(1);
    expect(dead?.headers['x-error-reason']).toBe('document-refused');
    expect(String(dead?.headers['x-error-message'])).toContain('$where');
    expect(dead?.body.source.jobId).toBe('refused-key');
    await waitFor(async () => (await w.documents.countDocuments({ jobId: /^accepted-/ })) === 12, {
      timeoutMs: 15_000,
      what: 'the accepted documents',
    });
    expect(await w.documents.countDocuments({ _id: documentIdFor('refused-key', 1) })).toBe(0);
    // The refused message's source record is not written: it would describe chunks that are not all there.
    await waitFor(async () => (await w.sources.countDocuments()) === 4, { timeoutMs: 5_000 });
    expect(await w.sources.findOne({ _id: 'refused-key' })).toBeNull();
  });

  it('dead-letters a message that contradicts itself as invalid-message, writing none of it', async () => {
    const w = await start({ WRITE_BATCH_MAX_MS: '50' });
    const broken = documentsMessage('broken', 3);
    broken.documents.pop();
    await w.publish(broken, documentsMessage('fine', 2));
    const [dead] = await w.waitForDeadLetters(1);
    expect(dead?.headers['x-error-reason']).toBe('invalid-message');
    expect(String(dead?.headers['x-error-message'])).toContain('chunkCount is 3 but the message carries 2');
    await w.waitForDocuments(2);
    expect(await w.documents.countDocuments({ jobId: 'broken' })).toBe(0);
  });

  it('is ready while the database answers', async () => {
    const w = await start({});
    expect(w.readiness.report().checks.mongodb).toEqual({ ready: true });
    expect(await w.metric('tributary_writer_database_ready')).toBe(1);
  });
});
