import { childTraceparent, FetchJobSchema, newTraceparent, topologyNames } from '@tributary/contracts';
import { databaseSettings, runService } from '@tributary/core';
import { ConsumerCount, messagingSettings, startMessaging } from '@tributary/messaging';
import { MongoClient } from 'mongodb';
import { fetcherRules, fetcherSettings, prefetchForConcurrency } from './config.ts';
import { Fetcher } from './fetcher.ts';

await runService(
  'fetcher',
  { ...messagingSettings, ...databaseSettings, ...fetcherSettings },
  async (ctx) => {
    const { config, lifecycle } = ctx;
    const messaging = startMessaging(ctx, 'fetcher');
    // Connected on first use: only discovery needs it, and a fetcher without discovery jobs never opens it.
    const mongo = new MongoClient(config.mongoUrl);
    lifecycle.add('close', 'mongodb', () => mongo.close());
    const fetcher = new Fetcher(config, {
      database: mongo.db(config.mongoDb),
      publishFound: (job) =>
        messaging.publisher.publishToStage('fetch', job, {
          messageId: job.id,
          traceparent: newTraceparent(),
        }),
      registry: ctx.registry,
      logger: ctx.logger,
      publish: (record, job, delivery) =>
        messaging.publisher.publishToStage('transform', record, {
          messageId: job.id,
          traceparent: childTraceparent(delivery.traceparent),
        }),
    });
    lifecycle.add('close', 'fetcher', () => fetcher.close());
    messaging.consume(
      'fetch',
      FetchJobSchema,
      {
        prefetch: prefetchForConcurrency(config),
        maxAttempts: config.maxAttempts,
        backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      },
      fetcher.handle,
    );
    const replicas = new ConsumerCount(messaging.connection, {
      queue: topologyNames(config.topologyPrefix).stage('fetch').queue,
      intervalMs: config.replicaPollMs,
      logger: ctx.logger,
      onChange: (count) => fetcher.setReplicas(count),
    });
    replicas.start();
    lifecycle.add('close', 'consumer-count', () => replicas.close());
    // Registered after the consumer, so it runs before the consumer's own stop-intake: no request starts from here on.
    lifecycle.add('stop-intake', 'fetcher', () => fetcher.drain());
  },
  { rules: fetcherRules },
);
