import { childTraceparent, StoreMessageSchema } from '@tributary/contracts';
import type { ServiceContext } from '@tributary/core';
import { startMessaging } from '@tributary/messaging';
import { MongoClient } from 'mongodb';
import { type embedderServiceSettings, embeddingClientOptions } from './config.ts';
import { EmbedBatcher } from './embed-batcher.ts';
import { createEmbedHandler } from './embed-handler.ts';
import { EmbeddingClient } from './embedding-client.ts';
import { Endpoint } from './endpoint.ts';
import { EmbedderMetrics } from './metrics.ts';
import { RateBudget } from './rate-budget.ts';
import { StoredEmbeddings } from './stored-embeddings.ts';

/**
 * Builds and starts the embed stage inside a service context (main.ts passes runService's): the endpoint's client,
 * rate budget, concurrency limit and breaker, the batcher, the stored vectors (MongoDB, connected on first read),
 * and the consumer of `embed.chunks`, publishing to the store stage.
 *
 * Shutdown: stop-intake (the consumer takes no more; the batcher sends what waits at once) → settle (handlers end
 * as their requests land) → flush (publisher confirms) → close (the endpoint, the client, MongoDB, the broker).
 */
export function startEmbedder(
  ctx: Pick<
    ServiceContext<typeof embedderServiceSettings>,
    'config' | 'logger' | 'registry' | 'lifecycle' | 'readiness'
  >,
): void {
  const { config, logger, registry, lifecycle } = ctx;
  const messaging = startMessaging(ctx, 'embedder');
  const client = new EmbeddingClient(embeddingClientOptions(config, config.concurrency));
  let batcher: EmbedBatcher | undefined;
  let endpoint: Endpoint | undefined;
  const metrics = new EmbedderMetrics(registry, {
    waitingChunks: () => batcher?.waiting ?? 0,
    requestsInFlight: () => endpoint?.inFlight ?? 0,
    breakerState: () => endpoint?.state ?? 'closed',
  });
  endpoint = new Endpoint(
    {
      concurrency: config.concurrency,
      inputType: config.documentInputType || undefined,
      breaker: {
        errorThresholdPercentage: config.breakerErrorPercent,
        volumeThreshold: config.breakerVolume,
        resetTimeoutMs: config.breakerResetMs,
        rollingWindowMs: config.breakerWindowMs,
      },
    },
    {
      client,
      budget: new RateBudget({
        requestsPerMinute: config.requestsPerMinute,
        tokensPerMinute: config.tokensPerMinute,
      }),
      metrics,
      onBreaker: (state) => logger.info({ state }, 'embedding endpoint breaker changed'),
    },
  );
  const send = endpoint.send.bind(endpoint);
  batcher = new EmbedBatcher(
    { maxInputs: config.batchChunks, maxTokens: config.batchTokens, lingerMs: config.batchMaxMs },
    { send },
  );
  const mongo = new MongoClient(config.mongoUrl);
  const stored = new StoredEmbeddings(mongo.db(config.mongoDb), config.documentsCollection);
  lifecycle.add('close', 'mongodb', () => mongo.close());
  lifecycle.add('close', 'embedding-client', async () => {
    endpoint?.close();
    await client.close();
  });
  messaging.consume(
    'embed',
    StoreMessageSchema,
    {
      prefetch: config.prefetch,
      maxAttempts: config.maxAttempts,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
    },
    createEmbedHandler({
      model: config.model,
      stored,
      batcher,
      publish: (message, delivery) =>
        messaging.publisher.publishToStage('store', message, {
          messageId: message.source.jobId,
          traceparent: childTraceparent(delivery.traceparent),
        }),
      onChunks: (embedded, reused) => {
        metrics.chunks.inc({ result: 'embedded' }, embedded);
        metrics.chunks.inc({ result: 'reused' }, reused);
      },
    }),
  );
  // What waits for a request to fill goes out now: nothing more is coming to fill it.
  lifecycle.add('stop-intake', 'batcher', () => batcher?.flush());
  logger.info(
    { endpoint: new URL(config.endpoint).origin, api: config.api, model: config.model },
    'embedder started',
  );
}
