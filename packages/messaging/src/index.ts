// What the services, the command line and the tests use; the rest stays inside the package.
export { BrokerConnection } from './connection.ts';
export { Consumer, type Delivery, type Handler } from './consumer.ts';
export { ConsumerCount } from './consumer-count.ts';
export { DEFAULT_DELAY_BUCKETS_MS } from './delay-buckets.ts';
export { HandlerError, ShuttingDownError } from './errors.ts';
export { decideAfterFailure } from './failure-policy.ts';
export { MessagingMetrics } from './metrics.ts';
export { type Outcome, outcome } from './outcome.ts';
export { Publisher } from './publisher.ts';
export { type Messaging, startMessaging } from './runtime.ts';
export { messagingSettings } from './settings.ts';
export { declareTopology, planTopology, type TopologyOptions } from './topology.ts';
