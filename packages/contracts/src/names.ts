/**
 * Every exchange, queue, routing key and header name of the contract lives here and only here
 * (docs/architecture.md §2 and §3). A prefix isolates one deployment, or one test, from another on the
 * same broker.
 */

/** In pipeline order; `embed` is optional (docs/architecture.md §18): without it, the transformer feeds `store`. */
export const STAGES = ['fetch', 'transform', 'embed', 'store'] as const;
export type Stage = (typeof STAGES)[number];

/** Which exchange and work queue carry each stage's input. */
const STAGE_INPUT: Record<Stage, { exchange: string; queue: string }> = {
  fetch: { exchange: 'tributary.jobs', queue: 'fetch.jobs' },
  transform: { exchange: 'tributary.raw', queue: 'transform.raw' },
  embed: { exchange: 'tributary.chunks', queue: 'embed.chunks' },
  store: { exchange: 'tributary.docs', queue: 'store.docs' },
};

const RETRY_EXCHANGE = 'tributary.retry';
const DEAD_EXCHANGE = 'tributary.dead';

export const HEADERS = {
  version: 'x-tributary-version',
  attempt: 'x-attempt',
  traceparent: 'traceparent',
  errorReason: 'x-error-reason',
  errorMessage: 'x-error-message',
  failedStage: 'x-failed-stage',
  retryReason: 'x-retry-reason',
  deferrals: 'x-deferrals',
  contentEncoding: 'x-body-encoding',
} as const;

export const CONTRACT_VERSION = 1;

/** `1500` → `1.5s`, `120000` → `2m`: readable queue names for delay buckets. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export interface StageNames {
  stage: Stage;
  /** Exchange the stage's input is published to; routing key is the stage name. */
  exchange: string;
  routingKey: string;
  queue: string;
  deadQueue: string;
  /** Delay queue for one bucket; also its routing key on the retry exchange. */
  delayQueue(bucketMs: number): string;
}

export interface TopologyNames {
  prefix: string;
  retryExchange: string;
  deadExchange: string;
  stage(stage: Stage): StageNames;
}

export function topologyNames(prefix = ''): TopologyNames {
  const p = (name: string) => `${prefix}${name}`;
  return {
    prefix,
    retryExchange: p(RETRY_EXCHANGE),
    deadExchange: p(DEAD_EXCHANGE),
    stage(stage) {
      const input = STAGE_INPUT[stage];
      return {
        stage,
        exchange: p(input.exchange),
        routingKey: stage,
        queue: p(input.queue),
        deadQueue: p(`${stage}.dead`),
        delayQueue: (bucketMs) => p(`${stage}.delay.${formatDuration(bucketMs)}`),
      };
    },
  };
}

/**
 * The queue through which every dead letter also reaches the batch records: bound to the dead-letter exchange
 * for every stage, so that the ones the broker dead-letters itself (delivery limit) are recorded too.
 */
export function batchDeadLettersQueue(names: TopologyNames): string {
  return `${names.prefix}batch.dead-letters`;
}
