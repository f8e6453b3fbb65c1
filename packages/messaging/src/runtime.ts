import type { Stage } from '@tributary/contracts';
import { topologyNames } from '@tributary/contracts';
import type { BackoffPolicy, ConfigOf, Logger, ReadinessChecks, ShutdownSteps } from '@tributary/core';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { BrokerConnection } from './connection.ts';
import { Consumer, type Handler } from './consumer.ts';
import type { Decoded } from './message-decoding.ts';
import { MessagingMetrics } from './metrics.ts';
import { Publisher } from './publisher.ts';
import type { messagingSettings } from './settings.ts';

export interface MessagingContext {
  config: ConfigOf<typeof messagingSettings>;
  logger: Logger;
  registry: Registry;
  lifecycle: ShutdownSteps;
  readiness: ReadinessChecks;
}

export interface StageConsumerOptions {
  prefetch: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Deferrals (retries that spend no attempt, e.g. an open circuit) before a dead letter; default 100. */
  maxDeferrals?: number;
  /** A queue other than the stage's work queue (the batch records' copy of dead letters). */
  queue?: string;
}

export interface Messaging {
  connection: BrokerConnection;
  publisher: Publisher;
  metrics: MessagingMetrics;
  consume<T>(
    stage: Stage,
    schema: z.ZodType<T>,
    /** `decode` reads bodies that are not all of one schema (see ConsumerOptions). */
    options: StageConsumerOptions & { decode?: (content: Buffer) => Decoded<T> },
    handler: Handler<T>,
  ): Consumer<T>;
}

/**
 * Wires a service to the broker: one connection and one publisher, with their place in the shutdown (a consumer
 * stops taking messages first, settles its handlers next; the publisher waits for its confirms; the connection
 * closes last), and readiness that follows the connection and every consumer.
 */
export function startMessaging(ctx: MessagingContext, name: string): Messaging {
  const { config, logger, registry, lifecycle, readiness } = ctx;
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
  lifecycle.add('close', 'broker-connection', () => connection.close());
  readiness.addReadinessCheck('broker', () => {
    const conflict = connection.topologyConflict;
    return conflict === undefined
      ? { ready: connection.isConnected, detail: connection.state }
      : { ready: false, detail: conflict };
  });

  const publisher = new Publisher(connection, { maxUnconfirmed: config.maxUnconfirmed, metrics, logger });
  publisher.start();
  lifecycle.add('flush', 'publisher', () => publisher.close());

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
      const name = `consumer:${options.queue ?? stage}`;
      lifecycle.add('stop-intake', name, () => consumer.stopTaking());
      lifecycle.add('settle', name, () => consumer.stop());
      readiness.addReadinessCheck(name, () => ({
        ready: consumer.isConsuming,
        detail: consumer.state,
      }));
      return consumer;
    },
  };
}
