// Throughput of the messaging layer against raw amqplib on the same broker, in one run, as a ratio.
// Both sides: confirm channel, persistent messages, a quorum queue, publishing and consuming at the same time.
//   npm run bench:messaging            (AMQP_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_MESSAGES=50000 npm run bench:messaging

import { newTraceparent, topologyNames } from '@tributary/contracts';
import { createLogger, createRegistry } from '@tributary/core';
import {
  BrokerConnection,
  Consumer,
  declareTopology,
  MessagingMetrics,
  outcome,
  Publisher,
  planTopology,
} from '@tributary/messaging';
import amqplib from 'amqplib';
import { z } from 'zod';
import { useBroker } from '../support/index.ts';
import { formatNumber, median, report } from './results.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 512; // unconfirmed publishes in flight, the same on both sides
const PREFETCH = 500;
const payload = (n: number) => ({ n, url: `https://example.com/articles/${n}`, note: 'x'.repeat(120) });

// The same topology on both sides (a direct exchange into a quorum queue with a delivery limit, at-least-once
// dead-lettering and reject-publish), so the ratio measures the client layer, not the broker's routing.
const topology = (prefix: string) => ({
  names: topologyNames(prefix),
  delayBucketsMs: [1_000],
  maxLength: 10_000_000,
  deliveryLimit: 5,
});

async function rawAmqplib(amqpUrl: string, prefix: string): Promise<number> {
  const conn = await amqplib.connect(amqpUrl);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const names = topology(prefix).names.stage('fetch');
  await declareTopology(pub, planTopology(topology(prefix)));
  const queue = names.queue;
  await sub.prefetch(PREFETCH);
  const started = performance.now();
  let consumed = 0;
  const done = new Promise<void>((resolve) => {
    void sub.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString());
      sub.ack(msg);
      if (++consumed === MESSAGES) resolve();
    });
  });
  let inFlight = 0;
  let wake: (() => void) | undefined;
  for (let n = 0; n < MESSAGES; n++) {
    while (inFlight >= WINDOW) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    pub.publish(
      names.exchange,
      names.routingKey,
      Buffer.from(JSON.stringify(payload(n))),
      {
        persistent: true,
        contentType: 'application/json',
        messageId: `m-${n}`,
        headers: { traceparent: newTraceparent() },
      },
      () => {
        inFlight--;
        wake?.();
      },
    );
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  await conn.close();
  return MESSAGES / seconds;
}

async function messagingLayer(amqpUrl: string, prefix: string): Promise<number> {
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const metrics = new MessagingMetrics(createRegistry('bench', { defaultMetrics: false }));
  const connection = new BrokerConnection({
    urls: [amqpUrl],
    name: 'bench',
    logger,
    metrics,
    topology: {
      names: topologyNames(prefix),
      delayBucketsMs: [1_000],
      maxLength: 10_000_000,
      deliveryLimit: 5,
    },
  });
  connection.start();
  await connection.waitForConnect(10_000);
  const publisher = new Publisher(connection, { maxUnconfirmed: WINDOW, metrics, logger });
  publisher.start();
  let consumed = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const schema = z.object({ n: z.number(), url: z.string(), note: z.string() });
  const consumer = new Consumer(
    connection,
    publisher,
    {
      stage: 'fetch',
      schema,
      prefetch: PREFETCH,
      maxAttempts: 3,
      backoff: { baseMs: 100, maxMs: 1_000 },
      logger,
      metrics,
    },
    () => {
      if (++consumed === MESSAGES) resolveDone();
      return outcome.done();
    },
  );
  const started = performance.now();
  consumer.start();
  const publishes: Promise<void>[] = [];
  for (let n = 0; n < MESSAGES; n++) {
    publishes.push(
      publisher.publishToStage('fetch', payload(n), { messageId: `m-${n}`, traceparent: newTraceparent() }),
    );
    // The publisher bounds what is unconfirmed; yielding now and then keeps the caller's own queue short too.
    if (n % WINDOW === 0) await Promise.all(publishes.splice(0, publishes.length - WINDOW));
  }
  await Promise.all(publishes);
  await done;
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  await publisher.close();
  await connection.close();
  return MESSAGES / seconds;
}

/** Runs a side and returns its rate and the client's CPU time per message (µs): the broker shares the cores. */
async function measured(run: () => Promise<number>): Promise<{ rate: number; cpuUs: number }> {
  const before = process.cpuUsage();
  const rate = await run();
  const cpu = process.cpuUsage(before);
  return { rate, cpuUs: (cpu.user + cpu.system) / MESSAGES };
}

const startedAt = new Date();
await using broker = await useBroker();
const raw: number[] = [];
const layer: number[] = [];
const rawCpu: number[] = [];
const layerCpu: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const r = await measured(() => rawAmqplib(broker.amqpUrl, `raw${round}.`));
  const l = await measured(() => messagingLayer(broker.amqpUrl, `bench${round}.`));
  raw.push(r.rate);
  layer.push(l.rate);
  rawCpu.push(r.cpuUs);
  layerCpu.push(l.cpuUs);
  console.log(
    `round ${round + 1}: raw ${r.rate.toFixed(0)} msg/s (${r.cpuUs.toFixed(0)} µs CPU/msg), ` +
      `layer ${l.rate.toFixed(0)} msg/s (${l.cpuUs.toFixed(0)} µs CPU/msg)`,
  );
}
const ratio = median(layer) / median(raw);
console.log(`\nmessages per round: ${MESSAGES}, publish window ${WINDOW}, prefetch ${PREFETCH}`);
console.log(`raw amqplib (median of ${ROUNDS}): ${median(raw).toFixed(0)} msg/s published and consumed`);
console.log(
  `messaging layer (median of ${ROUNDS}): ${median(layer).toFixed(0)} msg/s published and consumed`,
);
console.log(
  `client CPU per message (median): raw ${median(rawCpu).toFixed(0)} µs, layer ${median(layerCpu).toFixed(0)} µs`,
);
console.log(`ratio layer/raw: ${ratio.toFixed(2)} (goal ≥ 0.85)`);
await report({
  scenario: 'messaging',
  command: 'npm run bench:messaging',
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  rows: [
    {
      name: `messaging layer, ${formatNumber(MESSAGES)} messages published and consumed (median of ${ROUNDS} rounds)`,
      result: `${formatNumber(median(layer))} msg/s, ${median(layerCpu).toFixed(0)} µs client CPU per message`,
      ceiling: `raw amqplib ${formatNumber(median(raw))} msg/s, ${median(rawCpu).toFixed(0)} µs`,
      ratio,
      goal: '≥ 0.85×',
      met: ratio >= 0.85,
    },
  ],
  details: {
    messages: MESSAGES,
    rounds: ROUNDS,
    window: WINDOW,
    prefetch: PREFETCH,
    raw,
    layer,
    rawCpu,
    layerCpu,
  },
});
