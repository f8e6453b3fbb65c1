// Until the fetcher and the writer import these from where they live.

export {
  contentHash,
  type Document,
  documentIdFor,
  newTraceparent,
  type StoreMessage,
  StoreMessageSchema,
  topologyNames,
} from '@tributary/contracts';
export { type BackoffPolicy, backoffDelayMs } from '@tributary/core';
export { BrokerConnection, type BrokerConnectionOptions, type ConnectionState } from './connection.ts';
export {
  Consumer,
  type ConsumerOptions,
  type ConsumerState,
  type Delivery,
  type Handler,
} from './consumer.ts';
export { DEFAULT_DELAY_BUCKETS_MS, selectBucket } from './delay-buckets.ts';
export { HandlerError, PublisherClosedError, ShuttingDownError } from './errors.ts';
export { decideAfterFailure, type FailurePolicy } from './failure-policy.ts';
export { decodeMessage, type MessageHeaders, readAttempt } from './message-decoding.ts';
export { MessagingMetrics } from './metrics.ts';
export { type Outcome, outcome } from './outcome.ts';
export { type Envelope, Publisher, type PublisherOptions, type Route } from './publisher.ts';
export {
  type Messaging,
  type MessagingContext,
  type StageConsumerOptions,
  startMessaging,
} from './runtime.ts';
export { messagingSettings } from './settings.ts';
export { declareTopology, planTopology, type TopologyOptions, type TopologyPlan } from './topology.ts';
