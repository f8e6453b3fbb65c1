export { Batcher, type BatcherOptions } from './batcher.ts';
export {
  type PlannedOp,
  type PlanOptions,
  planWrite,
  type StoredSourceState,
  sourcesToRead,
  type Verdict,
  type WritePlan,
} from './bulk-plan.ts';
export { prefetchOf, type WriteConcernLevel, type WriterConfig, writerSettings } from './config.ts';
export {
  DOCUMENT_INDEXES,
  type IndexSpec,
  type ListedIndex,
  missingIndexes,
} from './document-indexes.ts';
export { IndexConflictError, StoreClosedError, StoreUnavailableError } from './errors.ts';
export { type DocumentResult, WriterMetrics } from './metrics.ts';
export { type ServerProfile, serverProfileOf, type WritePlanKind } from './server-profile.ts';
export {
  startWriter,
  type WriterService,
  type WriterServiceSettings,
  writerServiceSettings,
} from './start-writer.ts';
export {
  type BatchReport,
  type BatchStore,
  type MessageResult,
  MongoStore,
  type MongoStoreOptions,
} from './store.ts';
export { classifyStoreFailure, type StoreFailure, type TransientReason } from './store-failures.ts';
export { type SourceRecord, type StoredDocument, toStoredDocument } from './stored-records.ts';
export { documentsOf, Writer, type WriterDeps, type WriterOptions } from './writer.ts';
