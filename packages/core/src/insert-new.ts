import { type Collection, MongoBulkWriteError, type OptionalUnlessRequiredId } from 'mongodb';

const DUPLICATE_KEY = 11000;

/**
 * A write the server acknowledged without doing all of it and without an error for the rest: FerretDB does this
 * to inserts that reach it while it shuts down. Transient: the write is made again, which is safe because every
 * such write is idempotent.
 */
export class IncompleteWriteError extends Error {
  override readonly name = 'IncompleteWriteError';

  constructor(what: string, written: number, given: number) {
    super(`the database acknowledged ${written} of ${given} ${what} without an error for the rest`);
  }
}

/**
 * Inserts each document unless one with its `_id` is there already; resolves with the ids that were. Any other
 * write error rejects, and so does an acknowledgement of fewer inserts than were neither made nor found
 * (IncompleteWriteError): taken for done, such an insert would be a record that is not there.
 */
export async function insertNew<T extends { _id: string }>(
  collection: Collection<T>,
  documents: readonly T[],
  what: string,
): Promise<Set<string>> {
  const existing = new Set<string>();
  if (documents.length === 0) return existing;
  let inserted: number;
  try {
    const result = await collection.insertMany(documents as OptionalUnlessRequiredId<T>[], {
      ordered: false,
    });
    inserted = result.insertedCount;
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    for (const writeError of errors) {
      if (writeError.code !== DUPLICATE_KEY) throw err;
      const document = documents[writeError.index];
      if (document) existing.add(document._id);
    }
    inserted = err.insertedCount;
  }
  if (inserted + existing.size < documents.length) {
    throw new IncompleteWriteError(what, inserted + existing.size, documents.length);
  }
  return existing;
}
