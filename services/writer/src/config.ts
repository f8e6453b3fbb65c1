import type { ConfigOf, ConfigRule, Setting } from '@tributary/core';
import { databaseSettings, notBelow, setting } from '@tributary/core';
import { z } from 'zod';

/** `majority`, or how many members must acknowledge a write (at least 1: the writer acks only acknowledged writes). */
export type WriteConcernLevel = 'majority' | number;

const writeConcernSetting: Setting<WriteConcernLevel> = {
  env: 'WRITE_CONCERN',
  description:
    'write concern of every write: majority, or the number of replica-set members that must acknowledge it',
  expected: 'majority or an integer 1..50',
  defaultRaw: 'majority',
  schema: z
    .string()
    .trim()
    .regex(/^(majority|[1-9]\d?)$/)
    .transform((v): WriteConcernLevel => (v === 'majority' ? 'majority' : Number(v))),
  secret: false,
};

/** The writer's environment variables (docs/architecture.md §7); the README's table lists them. */
export const writerSettings = {
  ...databaseSettings,
  batchSize: setting.int('WRITE_BATCH_SIZE', {
    default: 500,
    min: 1,
    max: 100_000,
    description:
      'documents per bulk write: a batch is flushed once it holds this many (a message is never split)',
  }),
  batchMaxMs: setting.int('WRITE_BATCH_MAX_MS', {
    default: 200,
    min: 0,
    max: 600_000,
    description: 'longest time a document waits in a partial batch before it is flushed',
  }),
  writeConcern: writeConcernSetting,
  retryBaseMs: setting.int('WRITE_RETRY_BASE_MS', {
    default: 200,
    min: 1,
    max: 600_000,
    description:
      'while the database fails, a batch is retried with exponential backoff and full jitter from this ceiling',
  }),
  retryMaxMs: setting.int('WRITE_RETRY_MAX_MS', {
    default: 10_000,
    min: 1,
    max: 3_600_000,
    description: 'largest backoff ceiling between retries of a failing batch',
  }),
  prefetch: setting.int('WRITER_PREFETCH', {
    default: 0,
    min: 0,
    max: 100_000,
    description:
      'unacked messages the broker may push at once; 0 means twice WRITE_BATCH_SIZE, so the next batch fills while one is written',
  }),
  maxAttempts: setting.int('WRITER_MAX_ATTEMPTS', {
    default: 5,
    min: 1,
    max: 100,
    description:
      'attempts of a message before it is dead-lettered, counting unexpected failures and hand-backs at shutdown (a database outage itself is waited out, not counted)',
  }),
  serverSelectionTimeoutMs: setting.int('MONGO_SERVER_SELECTION_TIMEOUT_MS', {
    default: 5_000,
    min: 100,
    max: 600_000,
    description: 'how long a write waits for a usable server before it counts as failed and is retried',
  }),
  operationTimeoutMs: setting.int('MONGO_OPERATION_TIMEOUT_MS', {
    default: 60_000,
    min: 100,
    max: 3_600_000,
    description: 'longest one database command may take before it counts as failed and is retried',
  }),
  opsPerCommand: setting.int('WRITE_OPS_PER_COMMAND', {
    default: 0,
    min: 0,
    max: 100_000,
    description:
      'most updates and deletes sent in one command (inserts are not split); 0 means automatic: 50 on FerretDB (whose SQLite backend stalls on 100 updates in one command), otherwise as many as the server takes',
  }),
};

export type WriterConfig = ConfigOf<typeof writerSettings>;

/** What no single variable can check, checked with the variables before the service starts anything. */
export const writerRules: readonly ConfigRule<WriterConfig>[] = [
  notBelow(writerSettings, 'retryMaxMs', 'retryBaseMs'),
];

/** The prefetch the consumer asks for: WRITER_PREFETCH, or twice the batch size when it is 0. */
export function prefetchForBatchSize(config: Pick<WriterConfig, 'prefetch' | 'batchSize'>): number {
  return config.prefetch > 0 ? config.prefetch : Math.min(2 * config.batchSize, 100_000);
}
