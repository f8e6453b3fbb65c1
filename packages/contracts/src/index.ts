export {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  type BatchRecord,
  batchJobId,
  type FoundJobRecord,
  type JobOutcome,
  rootFoundRecord,
  sweepScopeOf,
} from './batch-records.ts';
export { type PackedBody, packBody, unpackBody } from './body-codec.ts';
export { deadLetterJob, deadLetterReason, deadLetterStage } from './dead-letters.ts';
export { contentHash, documentIdFor, jobIdFor, normaliseUrl } from './ids.ts';
export {
  batchDeadLettersQueue,
  CONTRACT_VERSION,
  formatDuration,
  HEADERS,
  STAGES,
  type Stage,
  type StageNames,
  type TopologyNames,
  topologyNames,
} from './names.ts';
export {
  BatchIdSchema,
  crawlDepthOf,
  DEFAULT_CRAWL_DEPTH,
  type Discover,
  DiscoverSchema,
  type Document,
  DocumentSchema,
  type Embedding,
  EmbeddingSchema,
  type FetchJob,
  type FetchJobInput,
  FetchJobSchema,
  type RawRecord,
  RawRecordSchema,
  type StoreMessage,
  StoreMessageSchema,
} from './schemas.ts';
export { childTraceparent, newTraceparent, traceIdOf } from './trace-context.ts';
