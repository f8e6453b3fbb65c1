import { topologyNames } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { planTopology } from './topology.ts';

describe('planTopology', () => {
  const plan = planTopology({
    names: topologyNames('t1.'),
    delayBucketsMs: [1_000, 30_000],
    maxLength: 500,
    deliveryLimit: 3,
  });
  const queue = (name: string) => plan.queues.find((q) => q.name === name);

  it('declares quorum work queues that dead-letter safely and push back when full', () => {
    expect(queue('t1.fetch.jobs')?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 3,
      'x-dead-letter-exchange': 't1.tributary.dead',
      'x-dead-letter-routing-key': 'fetch',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-max-length': 500,
    });
    expect(queue('t1.transform.raw')).toBeDefined();
    expect(queue('t1.store.docs')).toBeDefined();
  });

  it('routes each delay queue back into its own stage after its TTL', () => {
    const delay = queue('t1.transform.delay.30s');
    expect(delay?.arguments).toMatchObject({
      'x-message-ttl': 30_000,
      'x-dead-letter-exchange': 't1.tributary.raw',
      'x-dead-letter-routing-key': 'transform',
    });
    expect(plan.bindings).toContainEqual({
      queue: 't1.transform.delay.30s',
      exchange: 't1.tributary.retry',
      routingKey: 't1.transform.delay.30s',
    });
    expect(plan.bindings).toContainEqual({
      queue: 't1.transform.raw',
      exchange: 't1.tributary.raw',
      routingKey: 'transform',
    });
  });

  it('has a dead-letter queue per stage bound to the dead exchange, and every binding names declared things', () => {
    for (const stage of ['fetch', 'transform', 'embed', 'store']) {
      expect(plan.bindings).toContainEqual({
        queue: `t1.${stage}.dead`,
        exchange: 't1.tributary.dead',
        routingKey: stage,
      });
      // Every dead letter is also copied to the batch records' queue, whichever stage it comes from.
      expect(plan.bindings).toContainEqual({
        queue: 't1.batch.dead-letters',
        exchange: 't1.tributary.dead',
        routingKey: stage,
      });
    }
    const queues = new Set(plan.queues.map((q) => q.name));
    const exchanges = new Set(plan.exchanges.map((e) => e.name));
    for (const binding of plan.bindings) {
      expect(queues.has(binding.queue)).toBe(true);
      expect(exchanges.has(binding.exchange)).toBe(true);
    }
    // Per stage (the optional embed stage's too): work queue, 2 delay queues, dead-letter queue; and the batch's.
    expect(plan.queues).toHaveLength(4 * (1 + 2 + 1) + 1);
  });
});
