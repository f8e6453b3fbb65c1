import type { TransientReason } from './store-failures.ts';

/**
 * A batch could not be written because the database is unreachable or failing (not because of a document):
 * the batch is written again after a backoff. `reason` is the low-cardinality cause.
 */
export class StoreUnavailableError extends Error {
  readonly reason: TransientReason;
  readonly retryable = true;

  constructor(reason: TransientReason, options: { cause: unknown }) {
    const cause = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`database ${reason}: ${cause}`, options);
    this.name = 'StoreUnavailableError';
    this.reason = reason;
  }
}

/** The store was closed (shutdown) before it could start or finish a write. */
export class StoreClosedError extends Error {
  readonly reason = 'store-closed';

  constructor() {
    super('the MongoDB store is closed');
    this.name = 'StoreClosedError';
  }
}
