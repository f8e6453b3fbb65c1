import type { Logger } from '@tributary/core';
import {
  type BulkWriteResult,
  type Collection,
  MongoBulkWriteError,
  type WriteConcernSettings,
} from 'mongodb';
import type { PlannedOp } from './bulk-plan.ts';
import { classifyStoreFailure, IncompleteWriteError } from './store-failures.ts';

export interface BulkCommandsOptions {
  writeConcern: WriteConcernSettings;
  /** Most updates and deletes per command, as learnt from the server at start. */
  opsPerCommand: () => number;
  logger: Logger;
}

/**
 * The bulk writes of one phase of a batch, and how a refused document is found among them: inserts are named
 * by their index when they fail (every server reports that right for inserts); a failed update or delete
 * command that names a refused operation is split in halves, and each half written again, until the refused
 * operation stands alone. Its message goes into `refused`, to be dead-lettered; everything else lands.
 * Re-running operations is safe because every one is an idempotent insert, upsert, removal or `$max`.
 */
export class BulkCommands {
  readonly #options: BulkCommandsOptions;

  constructor(options: BulkCommandsOptions) {
    this.#options = options;
  }

  /**
   * Runs inserts in one bulk write. Returns the inserts that failed: a duplicate key (the document exists
   * already), or a document refused, which the upsert phase then isolates (see {@link fallbackOf}). Unordered
   * inserts go on past a failed one on every server, and name it by its index.
   */
  async runInserts<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onInserted: (count: number) => void,
  ): Promise<PlannedOp<S>[]> {
    const live = ops.filter((op) => !refused.has(op.message));
    if (live.length === 0) return [];
    try {
      // One bulk write, which the driver splits by the server's limits: FerretDB's stall concerns updates only.
      const result = await collection.bulkWrite(
        live.map((op) => op.op),
        { ordered: false, writeConcern: this.#options.writeConcern },
      );
      onInserted(result.insertedCount);
      // Taken for written, the missing inserts would lose chunks or source records; the attempt fails instead.
      if (result.insertedCount < live.length) {
        throw new IncompleteWriteError('inserts', result.insertedCount, live.length);
      }
      return [];
    } catch (err) {
      if (err instanceof IncompleteWriteError) throw err;
      const failed = failedOperations(err, live.length);
      if (failed) {
        onInserted((err as MongoBulkWriteError).insertedCount);
        return live.filter((_op, index) => failed.has(index));
      }
      // Refused before sending (the driver could not serialise one): all of them failed; the upsert phase
      // isolates the one at fault. Anything else fails the attempt.
      if (classifyStoreFailure(err).kind !== 'document') throw err;
      return live;
    }
  }

  /** Runs one phase's operations in commands of at most `opsPerCommand`, one command at a time. */
  async runPhase<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onResult: (result: BulkWriteResult, ops: PlannedOp<S>[]) => void,
  ): Promise<void> {
    const size = this.#options.opsPerCommand();
    for (let start = 0; start < ops.length; start += size) {
      await this.runCommand(collection, ops.slice(start, start + size), refused, onResult);
    }
  }

  async runCommand<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onResult: (result: BulkWriteResult, ops: PlannedOp<S>[]) => void,
  ): Promise<void> {
    const live = ops.filter((op) => !refused.has(op.message));
    if (live.length === 0) return;
    try {
      const result = await collection.bulkWrite(
        live.map((op) => op.op),
        { ordered: false, writeConcern: this.#options.writeConcern },
      );
      onResult(result, live);
    } catch (err) {
      const failure = classifyStoreFailure(err);
      if (failure.kind !== 'document') throw err;
      const [only] = live;
      if (live.length === 1 && only) {
        refused.set(only.message, failure.message);
        this.#options.logger.warn({ err, message: only.message }, 'the database refused a document');
        return;
      }
      const middle = Math.ceil(live.length / 2);
      await this.runCommand(collection, live.slice(0, middle), refused, onResult);
      await this.runCommand(collection, live.slice(middle), refused, onResult);
    }
  }
}

/**
 * The indexes of the operations a bulk write reports as failed, when it reports only per-operation errors;
 * undefined for anything else (a write concern error, a network error, an index out of range).
 */
function failedOperations(err: unknown, count: number): Set<number> | undefined {
  if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError?.()) return undefined;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  if (writeErrors.length === 0) return undefined;
  const failed = new Set<number>();
  for (const writeError of writeErrors) {
    const index = writeError?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count)
      return undefined;
    failed.add(index);
  }
  return failed;
}

/** What a failed insert does instead: its upsert. */
export function fallbackOf<S extends object>(op: PlannedOp<S>): PlannedOp<S> {
  return { message: op.message, op: op.fallback ?? op.op };
}
