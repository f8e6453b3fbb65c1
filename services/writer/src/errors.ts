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

/**
 * The documents collection has an index with the name of one the writer needs, on other keys. Starting again
 * cannot help: someone must drop or rename that index.
 */
export class IndexConflictError extends Error {
  readonly reason = 'index-conflict';
  readonly retryable = false;

  constructor(name: string, existingKey: string, wantedKey: string) {
    super(`index ${name} exists with key { ${existingKey} }; the writer needs it on { ${wantedKey} }`);
    this.name = 'IndexConflictError';
  }
}
