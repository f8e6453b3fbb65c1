import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { newTraceparent } from '@tributary/contracts';
import { sleep } from '@tributary/core';
import { type Delivery, HandlerError, outcome } from '@tributary/messaging';
import amqplib from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { countMessages, type TestBroker, takeAll, useBroker } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { type Harness, startHarness } from './harness.ts';

const Numbered = z.object({ n: z.number() });
type Numbered = z.infer<typeof Numbered>;

let broker: TestBroker;
let harness: Harness | undefined;

beforeEach(async () => {
  broker = await useBroker();
});

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await broker[Symbol.asyncDispose]();
});

function publishNumbered(h: Harness, n: number, headers: Record<string, string> = {}) {
  return h.publisher.publishToStage(
    'fetch',
    { n },
    { messageId: `m-${n}`, traceparent: newTraceparent(), headers },
  );
}

describe('messaging on a real broker', () => {
  it('publishes persistent JSON with the contract headers, and a consumer sees them all', async () => {
    harness = await startHarness(broker.amqpUrl);
    const traceparent = newTraceparent();
    await harness.publisher.publishToStage(
      'fetch',
      { n: 1 },
      { messageId: 'job-1', traceparent, headers: { 'x-custom': 'kept' } },
    );
    const [raw] = await takeAll(broker.amqpUrl, 'fetch.jobs');
    expect(raw?.body).toEqual({ n: 1 });
    expect(raw?.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: 'job-1',
    });
    expect(raw?.properties.timestamp).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(raw?.headers).toMatchObject({
      'x-tributary-version': 1,
      'x-attempt': 1,
      traceparent,
      'x-custom': 'kept',
    });

    await harness.publisher.publishToStage(
      'fetch',
      { n: 2 },
      { messageId: 'job-2', traceparent, headers: { 'x-custom': 'kept' } },
    );
    const seen: Delivery[] = [];
    harness.consume('fetch', Numbered, (_message, delivery) => {
      seen.push(delivery);
      return outcome.done();
    });
    await waitFor(() => seen.length === 1, { timeoutMs: 10_000, what: 'delivery' });
    expect(seen[0]).toMatchObject({
      messageId: 'job-2',
      attempt: 1,
      traceparent,
      traceId: traceparent.split('-')[1],
    });
    expect(seen[0]?.headers['x-custom']).toBe('kept');
    await waitFor(async () => (await countMessages(broker.amqpUrl, 'fetch.jobs')) === 0, {
      timeoutMs: 5_000,
    });
  });

  it('publishes a body encoded elsewhere byte for byte, with the same properties and headers as JSON', async () => {
    harness = await startHarness(broker.amqpUrl);
    const traceparent = newTraceparent();
    // Not the way JSON.stringify writes it, so that a body decoded and encoded again would show.
    const body = Buffer.from('{ "n": 3,\n  "name": "café ✓" }');
    await harness.publisher.publishEncodedToStage('fetch', body, {
      messageId: 'job-3',
      traceparent,
      attempt: 2,
      headers: { 'x-custom': 'kept' },
    });
    const connection = await amqplib.connect(broker.amqpUrl);
    try {
      const channel = await connection.createChannel();
      const message = await channel.get('fetch.jobs', { noAck: true });
      if (message === false) throw new Error('fetch.jobs is empty: the message was not published');
      expect(message.content.equals(body)).toBe(true);
      expect(message.properties).toMatchObject({
        contentType: 'application/json',
        deliveryMode: 2,
        messageId: 'job-3',
        headers: { 'x-tributary-version': 1, 'x-attempt': 2, traceparent, 'x-custom': 'kept' },
      });
    } finally {
      await connection.close();
    }
  });

  it('brings a retry back from the smallest bucket at least as long as asked, measured', async () => {
    harness = await startHarness(broker.amqpUrl, { delayBucketsMs: [1_000, 3_000] });
    const arrivals: { at: number; delivery: Delivery }[] = [];
    harness.consume('fetch', Numbered, (message, delivery) => {
      arrivals.push({ at: performance.now(), delivery });
      if (delivery.attempt === 1) return outcome.retry('flaky', message.n);
      return outcome.done();
    });
    await publishNumbered(harness, 900); // → 1 s bucket
    await publishNumbered(harness, 1_200); // → 3 s bucket
    await waitFor(() => arrivals.length === 4, { timeoutMs: 15_000, what: 'both retries to come back' });
    const gap = (id: string) => {
      const [first, second] = arrivals.filter((a) => a.delivery.messageId === id);
      expect(second?.delivery.attempt).toBe(2);
      expect(second?.delivery.headers['x-retry-reason']).toBe('flaky');
      return (second?.at ?? 0) - (first?.at ?? 0);
    };
    const oneSecond = gap('m-900');
    const threeSeconds = gap('m-1200');
    expect(oneSecond).toBeGreaterThanOrEqual(950);
    expect(oneSecond).toBeLessThan(2_500);
    expect(threeSeconds).toBeGreaterThanOrEqual(2_950);
    expect(threeSeconds).toBeLessThan(4_500);
  });

  it('defers without spending attempts, and dead-letters after too many deferrals', async () => {
    harness = await startHarness(broker.amqpUrl, { delayBucketsMs: [200] });
    const seen: Delivery[] = [];
    harness.consume(
      'fetch',
      Numbered,
      (_message, delivery) => {
        seen.push(delivery);
        return outcome.defer('circuit-open', 100);
      },
      { maxAttempts: 2, maxDeferrals: 3 },
    );
    await publishNumbered(harness, 3);
    await waitFor(async () => (await countMessages(broker.amqpUrl, 'fetch.dead')) === 1, {
      timeoutMs: 15_000,
      what: 'the dead letter after the deferrals',
    });
    // One delivery and three deferrals, all at attempt 1: deferring spends no attempt.
    expect(seen.map((d) => d.attempt)).toEqual([1, 1, 1, 1]);
    expect(seen.map((d) => d.headers['x-deferrals'] ?? 0)).toEqual([0, 1, 2, 3]);
    const [dead] = await takeAll(broker.amqpUrl, 'fetch.dead');
    expect(dead?.headers).toMatchObject({
      'x-error-reason': 'circuit-open',
      'x-error-message': 'deferred 3 times (circuit-open)',
    });
  });

  it('dead-letters a message whose attempts run out, with the error headers and its body intact', async () => {
    harness = await startHarness(broker.amqpUrl);
    let calls = 0;
    harness.consume(
      'fetch',
      Numbered,
      () => {
        calls++;
        throw new Error('always fails');
      },
      { maxAttempts: 3 },
    );
    await publishNumbered(harness, 7, { 'x-custom': 'kept' });
    await waitFor(async () => (await countMessages(broker.amqpUrl, 'fetch.dead')) === 1, {
      timeoutMs: 15_000,
      what: 'the dead letter',
    });
    const [dead] = await takeAll(broker.amqpUrl, 'fetch.dead');
    expect(calls).toBe(3);
    expect(dead?.body).toEqual({ n: 7 });
    expect(dead?.properties.messageId).toBe('m-7');
    expect(dead?.headers).toMatchObject({
      'x-error-reason': 'handler-error',
      'x-error-message': 'always fails',
      'x-failed-stage': 'fetch',
      'x-attempt': 3,
      'x-custom': 'kept',
    });
  });

  it('dead-letters a non-retryable failure at once, and an invalid message without calling the handler', async () => {
    harness = await startHarness(broker.amqpUrl);
    const handled: number[] = [];
    harness.consume('fetch', Numbered, (message) => {
      handled.push(message.n);
      throw new HandlerError('http-4xx', 'upstream answered 404', { retryable: false });
    });
    await publishNumbered(harness, 1);
    const names = harness.topology.names.stage('fetch');
    await harness.publisher.publish(
      { exchange: names.exchange, routingKey: names.routingKey },
      Buffer.from('{"n":"one"}'),
      {
        messageId: 'bad-1',
        traceparent: newTraceparent(),
      },
    );
    await waitFor(async () => (await countMessages(broker.amqpUrl, 'fetch.dead')) === 2, {
      timeoutMs: 10_000,
    });
    const dead = await takeAll(broker.amqpUrl, 'fetch.dead');
    const byId = new Map(dead.map((d) => [d.properties.messageId, d.headers]));
    expect(byId.get('m-1')).toMatchObject({
      'x-error-reason': 'http-4xx',
      'x-error-message': 'upstream answered 404',
      'x-attempt': 1,
    });
    expect(byId.get('bad-1')?.['x-error-reason']).toBe('invalid-message');
    expect(String(byId.get('bad-1')?.['x-error-message'])).toMatch(/^body does not match the schema: n:/);
    expect(handled).toEqual([1]);
  });

  it('lets the broker dead-letter a message that kills its consumer every time, after the delivery limit', async () => {
    harness = await startHarness(broker.amqpUrl, { deliveryLimit: 2 });
    await publishNumbered(harness, 99);
    const child = fileURLToPath(new URL('./fixtures/crashing-consumer.ts', import.meta.url));
    let crashes = 0;
    for (let run = 0; run < 6; run++) {
      if ((await countMessages(broker.amqpUrl, 'fetch.dead')) === 1) break;
      const proc = spawn(process.execPath, [child], {
        env: { ...process.env, AMQP_URL: broker.amqpUrl, DELIVERY_LIMIT: '2' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      proc.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const timer = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      const [, signal] = await once(proc, 'exit');
      clearTimeout(timer);
      if (output.includes('received') && signal === 'SIGKILL') crashes++;
      await sleep(200);
    }
    // x-delivery-limit 2: the first delivery and two redeliveries, then the broker gives up on it.
    expect(crashes).toBe(3);
    const [dead] = await takeAll(broker.amqpUrl, 'fetch.dead');
    expect(dead?.body).toEqual({ n: 99 });
    const deaths = dead?.headers['x-death'] as { reason: string }[] | undefined;
    expect(deaths?.[0]?.reason).toBe('delivery_limit');
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(0);
  });

  it('makes publishers wait while the queue is full, and delivers every message once consumers drain it', async () => {
    harness = await startHarness(broker.amqpUrl, { maxLength: 5 });
    const h = harness;
    // The broker checks a quorum queue's length asynchronously, so a short burst can overshoot the limit;
    // enough messages make sure it refuses some.
    const total = 300;
    let confirmed = 0;
    const publishes = Array.from({ length: total }, (_, n) => publishNumbered(h, n).then(() => confirmed++));
    await waitFor(async () => (await h.metrics.publishRefused.get()).values.some((v) => v.value > 0), {
      timeoutMs: 10_000,
      what: 'the broker to refuse a publish',
    });
    expect(confirmed).toBeLessThan(total);
    const received = new Set<number>();
    h.consume('fetch', Numbered, async (message) => {
      await sleep(1);
      received.add(message.n);
      return outcome.done();
    });
    await Promise.all(publishes);
    await waitFor(() => received.size === total, { timeoutMs: 30_000, what: 'every message' });
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, n) => n));
  });

  it('resumes publishing and consuming by itself after the broker drops its connections', async () => {
    harness = await startHarness(broker.amqpUrl);
    const h = harness;
    const received = new Set<number>();
    h.consume('fetch', Numbered, (message) => {
      received.add(message.n);
      return outcome.done();
    });
    const total = 200;
    const publishes: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      publishes.push(publishNumbered(h, n));
      if (n === 60) await broker.closeAllConnections();
      if (n % 20 === 0) await sleep(20);
    }
    await Promise.all(publishes);
    await waitFor(() => received.size === total, {
      timeoutMs: 30_000,
      what: 'every message after the reconnect',
    });
    expect((await h.metrics.reconnects.get()).values[0]?.value).toBeGreaterThanOrEqual(1);
    expect(h.connection.isConnected).toBe(true);
  });

  it('moves on to the next broker URL when the first one is down', async () => {
    // Port 1 on loopback refuses at once: a broker that is down.
    harness = await startHarness(['amqp://guest:guest@127.0.0.1:1', broker.amqpUrl]);
    await publishNumbered(harness, 5);
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(1);
  });

  it('declares its topology again and resumes when its queue is deleted under it', async () => {
    harness = await startHarness(broker.amqpUrl);
    const h = harness;
    const received = new Set<number>();
    const consumer = h.consume('fetch', Numbered, (message) => {
      received.add(message.n);
      return outcome.done();
    });
    await waitFor(() => consumer.isConsuming, { timeoutMs: 10_000, what: 'the consumer to start' });
    const conn = await amqplib.connect(broker.amqpUrl);
    const ch = await conn.createChannel();
    await ch.deleteQueue('fetch.jobs');
    await conn.close();
    // A publish to an exchange with no queue is dropped by the broker, so wait for the queue to be back.
    await waitFor(async () => (await countMessages(broker.amqpUrl, 'fetch.jobs').catch(() => -1)) >= 0, {
      timeoutMs: 10_000,
      what: 'the queue to be declared again',
    });
    await publishNumbered(h, 1);
    await waitFor(() => received.has(1), { timeoutMs: 20_000, what: 'delivery after the queue came back' });
    expect(consumer.isConsuming).toBe(true);
  });

  it('stops gracefully with handlers in flight: they finish and ack, the rest stay queued', async () => {
    harness = await startHarness(broker.amqpUrl);
    const h = harness;
    const total = 20;
    for (let n = 0; n < total; n++) await publishNumbered(h, n);
    const finished: number[] = [];
    let started = 0;
    const consumer = h.consume(
      'fetch',
      Numbered,
      async (message) => {
        started++;
        await sleep(400);
        finished.push(message.n);
        return outcome.done();
      },
      { prefetch: 4 },
    );
    await waitFor(() => started >= 4, { timeoutMs: 10_000, what: 'handlers in flight' });
    await consumer.stop();
    expect(consumer.inFlight).toBe(0);
    expect(finished.length).toBe(started);
    await waitFor(
      async () => (await countMessages(broker.amqpUrl, 'fetch.jobs')) === total - finished.length,
      {
        timeoutMs: 10_000,
        what: 'the unstarted messages to be ready in the queue',
      },
    );
    const rest = await takeAll(broker.amqpUrl, 'fetch.jobs');
    const all = [...finished, ...rest.map((r) => (r.body as Numbered).n)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: total }, (_, n) => n));
  });
});
