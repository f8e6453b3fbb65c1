import { setting } from '@tributary/core';
import { DEFAULT_DELAY_BUCKETS_MS } from './delay-buckets.ts';

/** The broker settings every service reads. */
export const messagingSettings = {
  amqpUrls: setting.urls('AMQP_URL', ['amqp', 'amqps'], {
    default: ['amqp://guest:guest@localhost:5672'],
    secret: true,
    description: 'broker URL(s), comma-separated; on failure the next one is tried',
  }),
  topologyPrefix: setting.string('TRIBUTARY_PREFIX', {
    default: '',
    description: 'prefix for every exchange and queue name (isolates deployments on one broker)',
  }),
  queueMaxLength: setting.int('QUEUE_MAX_LENGTH', {
    default: 100_000,
    min: 1,
    max: 100_000_000,
    description: 'x-max-length of each work queue; a full queue refuses publishes and publishers wait',
  }),
  deliveryLimit: setting.int('QUEUE_DELIVERY_LIMIT', {
    default: 5,
    min: 1,
    max: 1_000,
    description:
      'x-delivery-limit: returns of one message (consumer crashes) before the broker dead-letters it',
  }),
  delayBucketsMs: setting.intList('RETRY_DELAY_BUCKETS_MS', {
    default: [...DEFAULT_DELAY_BUCKETS_MS],
    min: 1,
    max: 86_400_000,
    description:
      'retry delay queues per stage, in ms; a retry waits in the smallest bucket at least as long as wanted',
  }),
  heartbeatSeconds: setting.int('AMQP_HEARTBEAT_SECONDS', {
    default: 5,
    min: 0,
    max: 600,
    description: 'AMQP heartbeat interval; a dead connection is noticed within about twice this',
  }),
  reconnectSeconds: setting.number('AMQP_RECONNECT_SECONDS', {
    default: 1,
    min: 0.1,
    max: 300,
    description: 'pause between reconnection attempts',
  }),
  maxUnconfirmed: setting.int('AMQP_MAX_UNCONFIRMED', {
    default: 512,
    min: 1,
    max: 100_000,
    description: 'publishes awaiting a broker confirm at once; callers beyond it wait',
  }),
};
