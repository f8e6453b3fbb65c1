import { jobIdFor, newTraceparent, topologyNames } from '@tributary/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetcherWorld, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('fetcher: the happy path', () => {
  it('fetches each job once and publishes its RawRecord to transform.raw', async () => {
    world = await startWorld();
    const w = world;
    const jobs = [1, 2, 3, 4, 5].map((n) => w.job(`/records/${n}`, { meta: { n }, source: 'test' }));
    await w.enqueue(...jobs);
    const records = await w.waitForRecords(5);
    expect(records.map((r) => r.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const record of records) {
      const job = jobs.find((j) => j.id === record.jobId);
      expect(record).toMatchObject({
        url: job?.url,
        finalUrl: job?.url,
        status: 200,
        bodyEncoding: 'utf8',
        meta: job?.meta,
        source: 'test',
      });
      expect(record.contentType).toMatch(/^application\/json/);
      expect(record.etag).toMatch(/^"/);
      expect(record.bytes).toBe(Buffer.byteLength(record.body));
      expect(() => JSON.parse(record.body)).not.toThrow();
      expect(Date.parse(record.fetchedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(record.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(w.demo.stats.snapshot().requests['/records/:id']).toBe(5);
    expect(await w.metric('tributary_fetch_requests_total', { outcome: 'done', status_class: '2xx' })).toBe(
      5,
    );
  });

  it('gives a job published without an id the id of its request, the same as a job enqueued with it', async () => {
    world = await startWorld();
    const url = `${world.demoUrl}/records/11`;
    const expectedId = jobIdFor({ url });
    // Published as a user without the library would: the bare JSON body, no id, no message_id.
    const { exchange, routingKey } = topologyNames().stage('fetch');
    await world.publisher.publish({ exchange, routingKey }, Buffer.from(JSON.stringify({ url })), {
      messageId: '',
      traceparent: newTraceparent(),
    });
    await world.enqueue(world.job('/records/11'));
    const records = await world.waitForRecords(2);
    expect(records.map((record) => record.jobId)).toEqual([expectedId, expectedId]);
    expect(await world.deadLetters()).toEqual([]);
  });

  it('sends a conditional request when the job has validators; a 304 publishes a not-modified record', async () => {
    world = await startWorld();
    const first = world.job('/pages/7');
    await world.enqueue(first);
    const [fresh] = await world.waitForRecords(1);
    expect(fresh?.status).toBe(200);
    expect(fresh?.etag).toBeDefined();

    const again = { ...first, id: `${first.id}-again`, etag: fresh?.etag, lastModified: fresh?.lastModified };
    await world.enqueue(again);
    const records = await world.waitForRecords(2);
    const notModified = records.find((r) => r.jobId === again.id);
    expect(notModified).toMatchObject({
      status: 304,
      body: '',
      bodyEncoding: 'utf8',
      bytes: 0,
      etag: fresh?.etag,
    });
    expect(world.demo.stats.snapshot().byStatus['304']).toBe(1);
  });

  it('follows redirects up to the cap and records the final URL', async () => {
    world = await startWorld({ fetcher: { maxRedirects: 3 } });
    const job = world.job('/records/3?redirects=2');
    await world.enqueue(job);
    const [record] = await world.waitForRecords(1);
    expect(record).toMatchObject({ url: job.url, finalUrl: `${world.demoUrl}/records/3`, status: 200 });

    const tooMany = world.job('/records/4?redirects=5');
    await world.enqueue(tooMany);
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'too-many-redirects', 'x-attempt': 1 });
    // The original request and three redirects: the fourth is not followed.
    expect(world.demo.stats.snapshot().requests['/records/:id']).toBe(3 + 4);
  });
});

describe('fetcher: failures are classified (docs/architecture.md §5.2)', () => {
  it('retries a 5xx and publishes the record once upstream recovers', async () => {
    world = await startWorld();
    const path = '/records/10?failFirst=2&failStatus=503';
    await world.enqueue(world.job(path));
    const [record] = await world.waitForRecords(1);
    expect(record?.status).toBe(200);
    expect(world.attempts(path)).toBe(3);
    expect(await world.deadLetters()).toEqual([]);
    expect(
      await world.metric('tributary_messages_retried_total', { stage: 'fetch', reason: 'upstream-5xx' }),
    ).toBe(2);
  });

  it('dead-letters a 404 at once, without retrying', async () => {
    world = await startWorld();
    const path = '/records/11?status=404';
    const job = world.job(path);
    await world.enqueue(job);
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.body).toEqual(job);
    expect(dead?.headers).toMatchObject({
      'x-error-reason': 'not-found',
      'x-error-message': 'upstream answered 404',
      'x-failed-stage': 'fetch',
      'x-attempt': 1,
    });
    expect(world.attempts(path)).toBe(1);
    expect(await world.records()).toEqual([]);
  });
});
