// What recording batches costs the pipeline: the same jobs through the whole system (demo API, fetcher,
// transformer, writer, each its own process, started by the launcher users run), once without a batch id and once
// with one, alternating, from the first publish to the last source in MongoDB.
//   npm run bench:tracking          (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_JOBS=5000 BENCH_ROUNDS=3 npm run bench:tracking

import { LocalSystem } from '@tributary/cli';
import { type FetchJob, jobIdFor, newTraceparent, topologyNames } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { BrokerConnection, Publisher } from '@tributary/messaging';
import { MongoClient } from 'mongodb';
import { useBroker, useDatabase } from '../support/index.ts';
import { freePortRange } from '../support/ports.ts';
import { waitFor } from '../support/wait-for.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const logger = createLogger({ service: 'bench-tracking', level: 'silent' });

async function oneRun(tracked: boolean, round: number): Promise<number> {
  await using broker = await useBroker();
  await using database = await useDatabase();
  const httpPortBase = await freePortRange(4);
  const demoPort = httpPortBase + 3;
  const system = new LocalSystem({
    env: {
      ...process.env,
      AMQP_URL: broker.amqpUrl,
      RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
      MONGO_URL: database.mongoUrl,
      MONGO_DB: database.dbName,
      FETCH_PER_HOST_RATE: '0',
      FETCH_PER_HOST_CONCURRENCY: '200',
      FETCH_CONCURRENCY: '200',
      LOG_LEVEL: 'warn',
    },
    transformWorkers: 2,
    httpPortBase,
    demoPort,
    restart: false,
  });
  await system.start();
  const connection = new BrokerConnection({
    urls: [broker.amqpUrl],
    name: 'bench-tracking',
    logger,
    topology: {
      names: topologyNames(''),
      delayBucketsMs: [1_000, 5_000, 30_000, 120_000, 600_000],
      maxLength: 100_000,
      deliveryLimit: 5,
    },
  });
  connection.start();
  await connection.waitForConnect(10_000);
  const publisher = new Publisher(connection, { logger });
  publisher.start();
  const client = await MongoClient.connect(database.mongoUrl);
  try {
    const sources = client.db(database.dbName).collection('sources');
    const started = performance.now();
    const jobs: FetchJob[] = Array.from({ length: JOBS }, (_, i) => {
      const url = `http://127.0.0.1:${demoPort}/records/${i}?round=${round}`;
      return { id: jobIdFor({ url }), url, ...(tracked ? { batch: `bench-${round}` } : {}) };
    });
    await Promise.all(
      jobs.map((job) =>
        publisher.publishToStage('fetch', job, { messageId: job.id, traceparent: newTraceparent() }),
      ),
    );
    await waitFor(async () => (await sources.countDocuments()) >= JOBS, {
      timeoutMs: 600_000,
      intervalMs: 250,
      what: `${JOBS} sources stored`,
    });
    const seconds = (performance.now() - started) / 1000;
    if (tracked) {
      const recorded = await client.db(database.dbName).collection('batch_jobs').countDocuments();
      if (recorded !== JOBS) throw new Error(`expected ${JOBS} batch records, found ${recorded}`);
    }
    return JOBS / seconds;
  } finally {
    await client.close();
    await publisher.close();
    await connection.close();
    await system.stop();
  }
}

const untracked: number[] = [];
const tracked: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  untracked.push(await oneRun(false, round));
  tracked.push(await oneRun(true, round));
  console.log(
    `round ${round}: without batch ${untracked.at(-1)?.toFixed(0)} jobs/s, with batch ${tracked.at(-1)?.toFixed(0)} jobs/s`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(
  `${JOBS} JSON records end to end, median of ${ROUNDS}: without batch ${median(untracked).toFixed(0)} jobs/s, ` +
    `with batch ${median(tracked).toFixed(0)} jobs/s; ratio ${(median(tracked) / median(untracked)).toFixed(2)}`,
);
