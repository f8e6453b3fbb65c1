import { IncompleteWriteError } from '@tributary/core';
import {
  BSON,
  MongoBulkWriteError,
  MongoError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';

/** Low-cardinality reasons for the failures metric and the logs. */
export type TransientReason = 'unreachable' | 'timeout' | 'write-concern' | 'server-error' | 'closed';

/**
 * What a failed database call means for the batch:
 * - `transient`: the database is unreachable, stepping down, overloaded or too slow; nothing says a document is
 *   wrong, so the whole batch is written again after a backoff (idempotent upserts make that safe);
 * - `document`: the server (or the driver, before sending) refused an operation for what it contains; the batch
 *   is split to find the operation, whose message is dead-lettered, and the rest is written;
 * - `unexpected`: not a database error at all (a bug); the batch's messages fail and the consumer retries or
 *   dead-letters them by its attempt count.
 */
export type StoreFailure =
  | { kind: 'transient'; reason: TransientReason }
  | { kind: 'document'; message: string }
  | { kind: 'unexpected' };

/** Codes of per-operation write errors that say "try again later", not "this write is wrong". */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  11000, // DuplicateKey: two writers upserting one _id at once; the retry finds the document
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict
  117, // ConflictingOperationInProgress
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  202, // NetworkInterfaceExceededTimeLimit
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  64, // WriteConcernFailed (timeout)
  100, // UnsatisfiableWriteConcern (too few members up)
  24, // LockTimeout
  46, // LockBusy
  384, // TooManyFilesOpen / resource pressure
]);

function numericCode(code: unknown): number | undefined {
  return typeof code === 'number' ? code : undefined;
}

export { IncompleteWriteError };

/** Maps an error thrown by a database call to what the writer does about it. */
export function classifyStoreFailure(err: unknown): StoreFailure {
  if (err instanceof IncompleteWriteError) return { kind: 'transient', reason: 'server-error' };
  if (err instanceof BSON.BSONError) return { kind: 'document', message: err.message };
  if (err instanceof MongoInvalidArgumentError) return { kind: 'document', message: err.message };
  if (err instanceof MongoTopologyClosedError) return { kind: 'transient', reason: 'closed' };
  if (err instanceof MongoOperationTimeoutError || err instanceof MongoNetworkTimeoutError) {
    return { kind: 'transient', reason: 'timeout' };
  }
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) {
    return { kind: 'transient', reason: 'unreachable' };
  }
  if (err instanceof MongoWriteConcernError) return { kind: 'transient', reason: 'write-concern' };
  if (err instanceof MongoBulkWriteError) {
    if (err.result?.getWriteConcernError?.()) return { kind: 'transient', reason: 'write-concern' };
    const writeErrors = err.writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (list.length === 0) return wrappedDriverFailure(err) ?? classifyServerError(err);
    if (list.some((w) => TRANSIENT_CODES.has(w.code))) return { kind: 'transient', reason: 'server-error' };
    return { kind: 'document', message: list[0]?.errmsg ?? err.message };
  }
  if (err instanceof MongoServerError) return classifyServerError(err);
  if (err instanceof MongoError) return { kind: 'transient', reason: 'server-error' };
  return { kind: 'unexpected' };
}

/**
 * A failure met while sending a bulk write (a refused or dropped connection, no server to select) reaches the
 * caller as a MongoBulkWriteError without write errors, into which the driver copied the own fields of the
 * error it wraps (its class is lost): a network error's `beforeHandshake`, a server selection error's `reason`
 * (the topology it saw, with its `servers`).
 */
function wrappedDriverFailure(err: MongoBulkWriteError): StoreFailure | undefined {
  const fields = err as unknown as { beforeHandshake?: unknown; reason?: unknown };
  const topology = fields.reason;
  if (typeof fields.beforeHandshake === 'boolean') return { kind: 'transient', reason: 'unreachable' };
  if (typeof topology === 'object' && topology !== null && 'servers' in topology) {
    return { kind: 'transient', reason: 'unreachable' };
  }
  return undefined;
}

/**
 * A command-level failure (not a per-operation write error) says nothing about a document: a network hiccup
 * answered as an error, authorisation, a misconfigured server. Waiting it out keeps every message, and
 * readiness shows it.
 */
function classifyServerError(err: MongoServerError): StoreFailure {
  const code = numericCode(err.code);
  return { kind: 'transient', reason: code === 50 || code === 262 ? 'timeout' : 'server-error' };
}
