import type { RawRecord } from '@tributary/contracts';
import type { ChunkOptions } from './chunker.ts';

/**
 * The plugin API: what a user transform implements, and what it gets to work with.
 *
 * A transform turns one fetched record into chunks of text. It does not build Documents: the service does, so
 * that no plugin can get the contract wrong. From a `TransformResult` the service derives, for chunk `i` of `n`:
 * `_id = documentIdFor(jobId, i)`, `chunkIndex = i`, `chunkCount = n`, `contentHash` (SHA-256 of the body bytes
 * as fetched), `jobId`, `sourceUrl`, `fetchedAt` from the record, and `transformedAt`. A result that carries any
 * of these (or any other unknown field) is rejected, so ids stay deterministic whatever a plugin does.
 *
 * A record with status 304 (not modified) never reaches a transform: the service passes it on as a touch.
 *
 * ```ts
 * import { defaultTransform, defineTransform } from '@tributary/transform';
 *
 * export default defineTransform(async (record, ctx) => {
 *   const result = await defaultTransform(record, ctx);
 *   return { ...result, meta: { ...result.meta, source: record.source ?? 'unknown' } };
 * });
 * ```
 *
 * Throwing fails the record: the service retries it with backoff (`TRANSFORM_MAX_ATTEMPTS`), then dead-letters
 * it with the error's message. The service reads a thrown error the way it reads its own: an error with
 * `retryable: false` is dead-lettered at once; one with `retryAfterMs` waits at least that long before its next
 * attempt; its `reason` (short, kebab-case) becomes the dead letter's `x-error-reason` and the errors metric's label.
 */
export type Transform = (
  record: RawRecord,
  context: TransformContext,
) => TransformResult | Promise<TransformResult>;

/** What a transform returns: the source's chunks in reading order, and what applies to all of them. */
export interface TransformResult {
  /** The source's title, given to every Document. */
  readonly title?: string | undefined;
  /** Metadata given to every Document, over the job's own `meta` (JSON values only). */
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The chunks, in order; their position is their `chunkIndex`. None means the source has no documents (now):
   * the writer then removes what an earlier version of the source left.
   */
  readonly chunks: readonly TransformChunk[];
}

export interface TransformChunk {
  /** The chunk's text; not blank. */
  readonly text: string;
  /** Its size in tokens of the plugin's tokenizer; when absent, the cl100k_base count of `text`. */
  readonly tokenCount?: number | undefined;
  /** Metadata of this chunk only, over the result's `meta` (JSON values only). */
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}

export interface TransformContext {
  /** A logger bound to the service, worker and job (pino's API: `logger.info({ key }, 'message')`). */
  readonly logger: TransformLogger;
  /** The service's transform settings (TRANSFORM_TARGET_TOKENS, TRANSFORM_JSON_FIELDS, ...). */
  readonly config: TransformConfig;
  /**
   * Aborted when the transform has run for TRANSFORM_TIMEOUT_MS: an asynchronous transform should stop then.
   * (A synchronous one is stopped for it: its thread is terminated shortly after.)
   */
  readonly signal: AbortSignal;
  /** The body as fetched: base64 and gzip of the RawRecord undone. Empty for a record without a body. */
  readonly body: Uint8Array;
  /** The body as text, decoded with the charset its content type declares (UTF-8 when none or unknown). */
  bodyText(): string;
}

export interface TransformConfig {
  /** How the default transform splits text; a plugin that chunks should use it too. */
  readonly chunking: ChunkOptions;
  /** For JSON bodies: the dot paths of the fields to read; the whole record, flattened, when absent. */
  readonly jsonFields?: readonly string[] | undefined;
}

/** The part of pino's logger a transform may use. */
export interface TransformLogger {
  debug: TransformLogMethod;
  info: TransformLogMethod;
  warn: TransformLogMethod;
  error: TransformLogMethod;
}

export type TransformLogMethod = (objectOrMessage: object | string, message?: string) => void;

/** Types a transform without ceremony: `export default defineTransform((record, ctx) => ...)`. */
export function defineTransform(transform: Transform): Transform {
  return transform;
}
