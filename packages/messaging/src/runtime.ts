import type { Stage } from '@tributary/contracts';
import { topologyNames } from '@tributary/contracts';
import type { ConfigOf, HealthServer, Lifecycle, Logger } from '@tributary/core';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { BrokerConnection } from './connection.ts';
import { Consumer, type Handler } from './consumer.ts';
import type { BackoffPolicy } from './delay-buckets.ts';
import { MessagingMetrics } from './metrics.ts';
import { Publisher } from './publisher.ts';
import type { messagingSettings } from './settings.ts';

export interface MessagingContext {
  config: ConfigOf<typeof messagingSettings>;
  logger: Logger;
  registry: Registry;
  lifecycle: Lifecycle;
  health: HealthServer;
}

export interface StageConsumerOptions {
  prefetch: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Deferrals (retries that spend no attempt, e.g. an open circuit) before a dead letter; default 100. */
  maxDeferrals?: number;
}

export interface Messaging {
  connection: BrokerConnection;
  publisher: Publisher;
  metrics: MessagingMetrics;
  consume<T>(
    stage: Stage,
    schema: z.ZodType<T>,
    options: StageConsumerOptions,
    handler: Handler<T>,
  ): Consumer<T>;
}

/**
 * Wires a service to the broker: one connection and one publisher, registered with the lifecycle so they close
 * after the consumers, and with the health server so `/readyz` follows the connection and every consumer.
 */
export function startMessaging(ctx: MessagingContext, name: string): Messaging {
  const { config, logger, registry, lifecycle, health } = ctx;
  const metrics = new MessagingMetrics(registry);
  const connection = new BrokerConnection({
    urls: config.amqpUrls,
    name,
    logger,
    metrics,
    heartbeatSeconds: config.heartbeatSeconds,
    reconnectSeconds: config.reconnectSeconds,
    topology: {
      names: topologyNames(config.topologyPrefix),
      delayBucketsMs: config.delayBucketsMs,
      maxLength: config.queueMaxLength,
      deliveryLimit: config.deliveryLimit,
    },
  });
  connection.start();
  lifecycle.add('broker-connection', () => connection.close());
  health.addReadinessCheck('broker', () => ({ ready: connection.isConnected, detail: connection.state }));

  const publisher = new Publisher(connection, { maxUnconfirmed: config.maxUnconfirmed, metrics, logger });
  publisher.start();
  lifecycle.add('publisher', () => publisher.close());

  return {
    connection,
    publisher,
    metrics,
    consume(stage, schema, options, handler) {
      const consumer = new Consumer(
        connection,
        publisher,
        { stage, schema, logger, metrics, ...options },
        handler,
      );
      consumer.start();
      lifecycle.add(`consumer:${stage}`, () => consumer.stop());
      health.addReadinessCheck(`consumer:${stage}`, () => ({
        ready: consumer.isConsuming,
        detail: consumer.state,
      }));
      return consumer;
    },
  };
}
