import { createLogger } from '@tributary/core';
import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { BulkCommands } from './bulk-commands.ts';
import type { PlannedOp } from './bulk-plan.ts';
import { classifyStoreFailure, IncompleteWriteError } from './store-failures.ts';

type Doc = { _id: string };

function collectionInserting(insertedCount: number): Collection<Doc> {
  return { bulkWrite: async () => ({ insertedCount }) } as unknown as Collection<Doc>;
}

const ops: PlannedOp<Doc>[] = ['a', 'b'].map((id, message) => ({
  message,
  op: { insertOne: { document: { _id: id } } },
}));

describe('BulkCommands.runInserts', () => {
  const commands = new BulkCommands({
    writeConcern: { w: 1 },
    opsPerCommand: () => 100,
    logger: createLogger({ service: 'test', level: 'silent' }),
  });

  it('fails the attempt, as a transient failure, when the server acknowledges fewer inserts than it was given', async () => {
    const error = await commands
      .runInserts(collectionInserting(1), ops, new Map(), () => {})
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(IncompleteWriteError);
    expect((error as Error).message).toBe(
      'the database acknowledged 1 of 2 inserts without an error for the rest',
    );
    expect(classifyStoreFailure(error)).toEqual({ kind: 'transient', reason: 'server-error' });
  });

  it('reports nothing left to do when every insert was acknowledged', async () => {
    let inserted = 0;
    const left = await commands.runInserts(collectionInserting(2), ops, new Map(), (count) => {
      inserted += count;
    });
    expect(left).toEqual([]);
    expect(inserted).toBe(2);
  });
});
