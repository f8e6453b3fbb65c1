import { deadLetterJob, deadLetterReason, deadLetterStage } from '@tributary/contracts';
import { type BackoffPolicy, backoffDelayMs, type Logger, sleep } from '@tributary/core';
import { type Delivery, type Outcome, outcome } from '@tributary/messaging';
import type { BatchRecords } from './batch-records.ts';
import { classifyStoreFailure } from './store-failures.ts';

export interface DeadLetterRecorderDeps {
  records: Pick<BatchRecords, 'recordDead'>;
  logger: Logger;
  retry: BackoffPolicy;
  /** Aborted when the writer stops: a dead letter not yet recorded goes back to its queue. */
  stopping: AbortSignal;
}

/**
 * The handler of the batch records' copy of every dead letter: it records the job of its batch as dead, with
 * the stage and reason. It never fails a message: one that names no batch (or is not even JSON) has nothing to
 * record, a database that fails is waited out with backoff, and a writer that stops hands the message back to
 * the head of its queue. (A failure of this handler must not go through the store stage's retries: the body is
 * any stage's message, not a StoreMessage.)
 */
export function deadLetterRecorder(
  deps: DeadLetterRecorderDeps,
): (content: Buffer, delivery: Delivery) => Promise<Outcome> {
  return async (content, delivery) => {
    const stage = deadLetterStage(delivery.headers, delivery.routingKey);
    let body: unknown;
    try {
      body = JSON.parse(content.toString('utf8'));
    } catch {
      return outcome.done();
    }
    const job = stage === undefined ? undefined : deadLetterJob(stage, body);
    if (job === undefined) return outcome.done();
    const reason = deadLetterReason(delivery.headers);
    for (let attempt = 1; ; attempt++) {
      if (deps.stopping.aborted) return outcome.requeue();
      try {
        await deps.records.recordDead({ ...job, stage: stage ?? 'unknown', reason });
        return outcome.done();
      } catch (err) {
        const failure = classifyStoreFailure(err);
        const delayMs = backoffDelayMs(attempt, deps.retry);
        deps.logger.warn(
          { err, attempt, delayMs, kind: failure.kind },
          'recording a dead letter failed; retrying',
        );
        try {
          await sleep(delayMs, deps.stopping);
        } catch {
          return outcome.requeue();
        }
      }
    }
  };
}
