import type { RawRecord } from '@tributary/contracts';
import { type Delivery, type Handler, ShuttingDownError } from '@tributary/messaging';
import { contentKind, notModifiedMessage } from '@tributary/transform';
import { encodeStoreMessage } from './encoded-store-message.ts';
import type { TransformMetrics } from './metrics.ts';
import { DEFAULT_FAILURE_REASON } from './thread-protocol.ts';
import type { TransformOutput } from './transform-runner.ts';

export interface TransformHandlerParts {
  /** The StoreMessage of a record, made and encoded in the transform thread. */
  run(record: RawRecord): Promise<TransformOutput>;
  /** Publishes an encoded StoreMessage to store.docs as it is; resolves once the broker confirmed. */
  publish(body: Buffer, record: RawRecord, delivery: Delivery): Promise<void>;
  metrics: TransformMetrics;
}

/** The status of a record whose source has not changed since the validators the job carried. */
const NOT_MODIFIED = 304;

/**
 * The transformer's handler of `transform.raw`: a 304 passes on as a not-modified touch, here, without waiting
 * for the transform thread (a transform never sees one); any other record is transformed and its Documents are
 * published to `store.docs`, all in one message, before the record is acked. A transform that throws fails the
 * attempt: the consumer retries it or dead-letters it by the error's `retryable` and `reason`. A record the
 * runner hands back because the worker is stopping (`ShuttingDownError`) is deferred and spends no attempt.
 */
export function createTransformHandler(parts: TransformHandlerParts): Handler<RawRecord> {
  const { metrics } = parts;
  return async (record, delivery) => {
    metrics.received.inc();
    if (record.status === NOT_MODIFIED) {
      await parts.publish(encodeStoreMessage(notModifiedMessage(record)).body, record, delivery);
      metrics.records.inc({ outcome: 'not-modified' });
      return undefined;
    }
    let output: TransformOutput;
    try {
      output = await parts.run(record);
    } catch (error) {
      const reason = reasonOf(error);
      if (reason === ShuttingDownError.REASON) {
        metrics.records.inc({ outcome: 'deferred' });
      } else {
        metrics.records.inc({ outcome: 'failed' });
        metrics.errors.inc({ reason });
      }
      throw error;
    }
    metrics.duration.observe({ kind: kindLabel(record.contentType) }, output.durationMs / 1_000);
    await parts.publish(output.message.body, record, delivery);
    const { documentCount } = output.message;
    metrics.records.inc({ outcome: 'transformed' });
    metrics.documents.inc(documentCount);
    metrics.chunksPerRecord.observe(documentCount);
    return undefined;
  };
}

function reasonOf(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : DEFAULT_FAILURE_REASON;
}

/** The content kind as a low-cardinality label: html, json, markdown, text, or other. */
function kindLabel(contentType: string): string {
  try {
    return contentKind(contentType);
  } catch {
    return 'other';
  }
}
