import { childTraceparent, FetchJobSchema } from '@tributary/contracts';
import { runService } from '@tributary/core';
import { messagingSettings, startMessaging } from '@tributary/messaging';
import { fetcherRules, fetcherSettings, prefetchForConcurrency } from './config.ts';
import { Fetcher } from './fetcher.ts';

await runService(
  'fetcher',
  { ...messagingSettings, ...fetcherSettings },
  async (ctx) => {
    const { config, lifecycle } = ctx;
    const messaging = startMessaging(ctx, 'fetcher');
    const fetcher = new Fetcher(config, {
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
    // Registered after the consumer, so it runs before the consumer's own stop-intake: no request starts from here on.
    lifecycle.add('stop-intake', 'fetcher', () => fetcher.drain());
  },
  { rules: fetcherRules },
);
