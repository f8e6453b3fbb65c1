import type { RawRecord } from '@tributary/contracts';
import type { TransformConfig } from '@tributary/transform';
import { TransformFailedError } from './errors.ts';

/**
 * The messages between a worker's main thread (the broker connection, `TransformRunner`) and its transform
 * thread (`transform-thread.ts`). Errors cross as data: their name, message, `reason`, `retryable` and
 * `retryAfterMs`. A StoreMessage crosses as the bytes it is published as: the thread encodes it, so the main
 * thread neither deserialises a structured clone of every Document nor serialises them again to publish.
 */

/** What the transform thread is started with (its `workerData`). */
export interface ThreadSetup {
  /** A `resolveTransformSpecifier` result, or '' for the default transform. */
  readonly module: string;
  readonly config: TransformConfig;
  readonly logLevel: string;
  /** Bindings of the thread's logger (service, worker slot, pid). */
  readonly logBindings: Record<string, string | number>;
}

export type ToThread = { type: 'run'; id: number; record: RawRecord } | { type: 'abort'; id: number };

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed-to-start'; error: SerializedError }
  | {
      type: 'done';
      id: number;
      /**
       * The StoreMessage encoded (`encodeStoreMessage`), its bytes transferred rather than copied: they arrive as
       * a plain Uint8Array over the memory the thread gave up.
       */
      body: Uint8Array<ArrayBuffer>;
      documentCount: number;
      durationMs: number;
    }
  | { type: 'failed'; id: number; error: SerializedError; durationMs: number };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly reason?: string;
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly stack?: string;
}

/** The reason of an error that names none, or whose reason is not a short kebab-case code. */
export const DEFAULT_FAILURE_REASON = 'transform-error';
const REASON = /^[a-z0-9][a-z0-9-]{0,47}$/;

/**
 * An error as data, for `postMessage`: a thrown non-Error becomes its string; `reason`, `retryable` and
 * `retryAfterMs` (a finite, non-negative number of milliseconds) are kept when they have their types.
 */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { reason, retryable, retryAfterMs } = error as {
    reason?: unknown;
    retryable?: unknown;
    retryAfterMs?: unknown;
  };
  return {
    name: error.name,
    message: error.message,
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof retryable === 'boolean' ? { retryable } : {}),
    ...(isDelayMs(retryAfterMs) ? { retryAfterMs } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

/**
 * The error the consumer sees for a failure in the thread: same message and class name; `reason` kept when it is
 * a short kebab-case code (it becomes a metrics label) and `transform-error` otherwise; retryable unless the
 * error said it is not; its `retryAfterMs` kept.
 */
export function deserializeError(error: SerializedError): TransformFailedError {
  return new TransformFailedError(error.message, {
    name: error.name,
    reason: error.reason !== undefined && REASON.test(error.reason) ? error.reason : DEFAULT_FAILURE_REASON,
    retryable: error.retryable ?? true,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  });
}

export function isFromThread(value: unknown): value is FromThread {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

function isDelayMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
