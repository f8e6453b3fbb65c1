import { availableParallelism } from 'node:os';
import { type ConfigOf, type ConfigRule, notBelow, setting } from '@tributary/core';
import type { TransformConfig } from '@tributary/transform';
import type { RestartPolicy } from './restart-policy.ts';

/** The transformer's environment variables (docs/architecture.md §7); the README's table lists them. */
export const transformerSettings = {
  workers: setting.int('TRANSFORM_WORKERS', {
    default: 0,
    min: 0,
    max: 1_024,
    description: 'worker processes; 0 means one per available CPU (os.availableParallelism())',
  }),
  prefetch: setting.int('TRANSFORM_PREFETCH', {
    // Enough records in hand to keep the transform thread busy while earlier results wait for their publish
    // confirms: at 4, a worker idled between JSON records (0.4 ms of transform each) and the pipeline ran at 0.4×
    // the in-process baseline (bench:end-to-end). The cost is this many bodies held per worker.
    default: 32,
    min: 1,
    max: 10_000,
    description:
      'unacked records the broker may push to each worker; they wait in order for the worker’s transform thread',
  }),
  module: setting.string('TRANSFORM_MODULE', {
    default: '',
    description:
      'a transform plugin: a file path (relative to the working directory) or a package name; empty for the default transform',
  }),
  targetTokens: setting.int('TRANSFORM_TARGET_TOKENS', {
    default: 512,
    min: 4,
    max: 100_000,
    description: 'chunk size the chunker packs to, in cl100k_base tokens',
  }),
  maxTokens: setting.int('TRANSFORM_MAX_TOKENS', {
    default: 0,
    min: 0,
    max: 100_000,
    description:
      'hard bound on a chunk, at least TRANSFORM_TARGET_TOKENS; 0 means TRANSFORM_TARGET_TOKENS × 1.25',
  }),
  overlapTokens: setting.int('TRANSFORM_OVERLAP_TOKENS', {
    default: 64,
    min: 0,
    max: 100_000,
    description:
      'tokens the next chunk repeats from the end of the previous one; below TRANSFORM_TARGET_TOKENS',
  }),
  jsonFields: setting.list('TRANSFORM_JSON_FIELDS', {
    default: [],
    description:
      'JSON bodies: dot paths of the fields to keep, in order (e.g. title,body); empty flattens the record',
  }),
  timeoutMs: setting.int('TRANSFORM_TIMEOUT_MS', {
    default: 60_000,
    min: 10,
    max: 3_600_000,
    description:
      'longest one transform may run; then its signal aborts (its thread is replaced if it does not stop) and the record is retried',
  }),
  maxHeapMb: setting.int('TRANSFORM_MAX_HEAP_MB', {
    default: 2_048,
    min: 16,
    max: 65_536,
    description:
      'heap limit of each transform thread; a record that needs more fails (retried, then dead-lettered) instead of the worker',
  }),
  embed: setting.bool('EMBED_ENABLED', {
    default: false,
    description:
      'hand the chunks to the embed stage (the embedder) instead of straight to the store stage; set it on the transformers and run embedders',
  }),
  maxAttempts: setting.int('TRANSFORM_MAX_ATTEMPTS', {
    default: 3,
    min: 1,
    max: 100,
    description: 'attempts of a record whose transform fails before it is dead-lettered',
  }),
  backoffBaseMs: setting.int('TRANSFORM_BACKOFF_BASE_MS', {
    default: 1_000,
    min: 0,
    max: 3_600_000,
    description: 'retry backoff: the ceiling of attempt n is base × 2^(n−1), drawn with full jitter',
  }),
  backoffMaxMs: setting.int('TRANSFORM_BACKOFF_MAX_MS', {
    default: 60_000,
    min: 0,
    max: 86_400_000,
    description: 'largest retry backoff ceiling',
  }),
  restartBaseMs: setting.int('TRANSFORM_RESTART_BASE_MS', {
    default: 200,
    min: 0,
    max: 600_000,
    description:
      'delay before replacing a worker that died; doubles with each recent death of the same worker',
  }),
  restartMaxMs: setting.int('TRANSFORM_RESTART_MAX_MS', {
    default: 30_000,
    min: 0,
    max: 3_600_000,
    description: 'longest delay before replacing a worker',
  }),
  crashLoopRestarts: setting.int('TRANSFORM_CRASH_LOOP_RESTARTS', {
    default: 5,
    min: 1,
    max: 1_000,
    description:
      'deaths of one worker within TRANSFORM_CRASH_LOOP_WINDOW_MS that count as a crash loop (/readyz fails)',
  }),
  crashLoopWindowMs: setting.int('TRANSFORM_CRASH_LOOP_WINDOW_MS', {
    default: 60_000,
    min: 100,
    max: 86_400_000,
    description: 'the window in which worker deaths are counted',
  }),
};

export type TransformerConfig = ConfigOf<typeof transformerSettings>;

/** The number of worker processes: TRANSFORM_WORKERS, or one per available CPU when it is 0. */
export function workerCountOf(
  config: Pick<TransformerConfig, 'workers'>,
  cpus = availableParallelism(),
): number {
  return config.workers > 0 ? config.workers : Math.max(1, cpus);
}

/**
 * What no single variable can check: the chunk bound not below the target, the overlap below it, each delay
 * ceiling not below its base. Checked with the variables, before the service starts anything.
 */
export const transformerRules: readonly ConfigRule<TransformerConfig>[] = [
  notBelow(transformerSettings, 'maxTokens', 'targetTokens', { unlessZero: true }),
  ({ overlapTokens, targetTokens }) =>
    overlapTokens < targetTokens
      ? undefined
      : `TRANSFORM_OVERLAP_TOKENS must be below TRANSFORM_TARGET_TOKENS (${targetTokens}), got "${overlapTokens}"`,
  notBelow(transformerSettings, 'backoffMaxMs', 'backoffBaseMs'),
  notBelow(transformerSettings, 'restartMaxMs', 'restartBaseMs'),
];

/** The transform settings a plugin sees, from the variables (checked by `transformerRules`). */
export function transformConfigOf(
  config: Pick<TransformerConfig, 'targetTokens' | 'maxTokens' | 'overlapTokens' | 'jsonFields'>,
): TransformConfig {
  const { targetTokens, overlapTokens } = config;
  const maxTokens = config.maxTokens > 0 ? config.maxTokens : Math.floor(targetTokens * 1.25);
  return {
    chunking: { targetTokens, maxTokens, overlapTokens },
    ...(config.jsonFields.length === 0 ? {} : { jsonFields: config.jsonFields }),
  };
}

/** The restart policy of the primary, from the variables. */
export function restartPolicyOf(
  config: Pick<
    TransformerConfig,
    'restartBaseMs' | 'restartMaxMs' | 'crashLoopRestarts' | 'crashLoopWindowMs'
  >,
): RestartPolicy {
  return {
    baseDelayMs: config.restartBaseMs,
    maxDelayMs: config.restartMaxMs,
    crashLoopRestarts: config.crashLoopRestarts,
    windowMs: config.crashLoopWindowMs,
  };
}
