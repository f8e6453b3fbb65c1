import { type Stage, topologyNames } from '@tributary/contracts';
import { createLogger, createRegistry, type Logger } from '@tributary/core';
import {
  BrokerConnection,
  Consumer,
  type Handler,
  MessagingMetrics,
  Publisher,
  type TopologyOptions,
} from '@tributary/messaging';
import type { z } from 'zod';

export interface Harness {
  connection: BrokerConnection;
  publisher: Publisher;
  metrics: MessagingMetrics;
  logger: Logger;
  topology: TopologyOptions;
  consume<T>(
    stage: Stage,
    schema: z.ZodType<T>,
    handler: Handler<T>,
    options?: { prefetch?: number; maxAttempts?: number; maxDeferrals?: number },
  ): Consumer<T>;
  close(): Promise<void>;
}

/** A connection, a publisher and consumers on the test's own vhost, all closed together. */
export async function startHarness(
  amqpUrl: string | string[],
  topology: Partial<Omit<TopologyOptions, 'names'>> & { prefix?: string } = {},
): Promise<Harness> {
  const logger = createLogger({ service: 'messaging-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const registry = createRegistry('messaging-test', { defaultMetrics: false });
  const metrics = new MessagingMetrics(registry);
  const options: TopologyOptions = {
    names: topologyNames(topology.prefix ?? ''),
    delayBucketsMs: topology.delayBucketsMs ?? [1_000, 5_000],
    maxLength: topology.maxLength ?? 10_000,
    deliveryLimit: topology.deliveryLimit ?? 5,
  };
  const connection = new BrokerConnection({
    urls: Array.isArray(amqpUrl) ? amqpUrl : [amqpUrl],
    name: 'messaging-test',
    topology: options,
    logger,
    metrics,
  });
  connection.start();
  await connection.waitForConnect(15_000);
  const publisher = new Publisher(connection, { metrics, logger });
  publisher.start();
  const consumers: Consumer<unknown>[] = [];
  return {
    connection,
    publisher,
    metrics,
    logger,
    topology: options,
    consume(stage, schema, handler, opts = {}) {
      const consumer = new Consumer(
        connection,
        publisher,
        {
          stage,
          schema,
          prefetch: opts.prefetch ?? 10,
          maxAttempts: opts.maxAttempts ?? 3,
          ...(opts.maxDeferrals === undefined ? {} : { maxDeferrals: opts.maxDeferrals }),
          backoff: { baseMs: 100, maxMs: 1_000 },
          logger,
          metrics,
        },
        handler,
      );
      consumer.start();
      consumers.push(consumer as Consumer<unknown>);
      return consumer;
    },
    async close() {
      for (const consumer of consumers) await consumer.stop();
      await publisher.close();
      await connection.close();
    },
  };
}
