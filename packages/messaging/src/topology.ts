import { batchDeadLettersQueue, STAGES, type TopologyNames } from '@tributary/contracts';
import type { Channel } from 'amqplib';

export interface TopologyOptions {
  names: TopologyNames;
  delayBucketsMs: readonly number[];
  /** `x-max-length` of each work queue: past it the broker refuses publishes instead of growing. */
  maxLength: number;
  /** `x-delivery-limit`: how often a message may be returned unacked before the broker dead-letters it. */
  deliveryLimit: number;
}

export interface QueueDeclaration {
  name: string;
  arguments: Record<string, string | number>;
}

export interface TopologyPlan {
  exchanges: { name: string; type: 'direct' }[];
  queues: QueueDeclaration[];
  bindings: { queue: string; exchange: string; routingKey: string }[];
}

/**
 * Everything docs/architecture.md §3 describes, as data: quorum work queues that dead-letter to the dead
 * exchange and push back when full, one TTL delay queue per stage and bucket that dead-letters back into the
 * stage, and one dead-letter queue per stage. Quorum queues everywhere so that a broker restart loses nothing.
 */
export function planTopology(options: TopologyOptions): TopologyPlan {
  const { names } = options;
  const plan: TopologyPlan = {
    exchanges: [
      { name: names.retryExchange, type: 'direct' },
      { name: names.deadExchange, type: 'direct' },
    ],
    queues: [],
    bindings: [],
  };
  // Every dead letter also goes here, for the batch records (docs/architecture.md §9).
  const batchDead = batchDeadLettersQueue(names);
  plan.queues.push({ name: batchDead, arguments: { 'x-queue-type': 'quorum' } });
  // The at-least-once dead-letter strategy needs reject-publish overflow; it keeps dead-lettering safe.
  const safeDeadLettering = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
  for (const stage of STAGES) {
    const s = names.stage(stage);
    plan.exchanges.push({ name: s.exchange, type: 'direct' });
    plan.queues.push({
      name: s.queue,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': options.deliveryLimit,
        'x-dead-letter-exchange': names.deadExchange,
        'x-dead-letter-routing-key': s.routingKey,
        ...safeDeadLettering,
        'x-max-length': options.maxLength,
      },
    });
    plan.bindings.push({ queue: s.queue, exchange: s.exchange, routingKey: s.routingKey });

    for (const bucketMs of options.delayBucketsMs) {
      const delayQueue = s.delayQueue(bucketMs);
      plan.queues.push({
        name: delayQueue,
        arguments: {
          'x-queue-type': 'quorum',
          'x-message-ttl': bucketMs,
          'x-dead-letter-exchange': s.exchange,
          'x-dead-letter-routing-key': s.routingKey,
          ...safeDeadLettering,
        },
      });
      plan.bindings.push({ queue: delayQueue, exchange: names.retryExchange, routingKey: delayQueue });
    }

    plan.queues.push({ name: s.deadQueue, arguments: { 'x-queue-type': 'quorum' } });
    plan.bindings.push({ queue: s.deadQueue, exchange: names.deadExchange, routingKey: s.routingKey });
    plan.bindings.push({ queue: batchDead, exchange: names.deadExchange, routingKey: s.routingKey });
  }
  return plan;
}

/** Declares the plan; safe to run at every start and after every reconnect. */
export async function declareTopology(channel: Channel, plan: TopologyPlan): Promise<void> {
  for (const exchange of plan.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true });
  }
  for (const queue of plan.queues) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  }
  for (const binding of plan.bindings) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
}
