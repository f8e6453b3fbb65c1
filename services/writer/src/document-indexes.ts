import { type Collection, type Document, MongoServerError } from 'mongodb';
import { IndexConflictError } from './errors.ts';

/** An index of the documents collection: its key pattern, in order, and its name. */
export interface IndexSpec {
  readonly key: Readonly<Record<string, 1 | -1>>;
  readonly name: string;
}

/** The indexes of the documents collection, ensured at every start. */
export const DOCUMENT_INDEXES: readonly IndexSpec[] = [
  { key: { jobId: 1, chunkIndex: 1 }, name: 'jobId_1_chunkIndex_1' },
  { key: { contentHash: 1 }, name: 'contentHash_1' },
  { key: { sourceUrl: 1 }, name: 'sourceUrl_1' },
  { key: { transformedAt: 1 }, name: 'transformedAt_1' },
];

/** An index as `listIndexes` describes it; only the fields read here. */
export interface ListedIndex {
  name?: unknown;
  key?: unknown;
}

/**
 * The indexes of `wanted` that the collection lacks, in order, given what `listIndexes` answered. An index is
 * there when an existing index has its key pattern (under any name: MongoDB refuses a second index on the same
 * keys). An existing index with a wanted name and other keys is a conflict no retry can solve: it throws an
 * {@link IndexConflictError}.
 *
 * The writer creates what this returns one index per command, and nothing else: FerretDB 1.24 drops the
 * connection (a panic it recovers from) on a `createIndexes` that names two or more existing indexes, which
 * every restart on an initialised database would send otherwise.
 */
export function missingIndexes(
  existing: readonly ListedIndex[],
  wanted: readonly IndexSpec[] = DOCUMENT_INDEXES,
): IndexSpec[] {
  const missing: IndexSpec[] = [];
  for (const index of wanted) {
    const pattern = keyPattern(index.key);
    if (existing.some((listed) => keyPattern(listed.key) === pattern)) continue;
    const namesake = existing.find((listed) => listed.name === index.name);
    if (namesake) {
      throw new IndexConflictError(index.name, keyPattern(namesake.key), pattern);
    }
    missing.push(index);
  }
  return missing;
}

/** A key pattern as comparable text, field order kept: `jobId: 1, chunkIndex: 1`. */
function keyPattern(key: unknown): string {
  if (typeof key !== 'object' || key === null) return String(key);
  return Object.entries(key)
    .map(([field, direction]) => `${field}: ${Number(direction)}`)
    .join(', ');
}

/** `listIndexes` of a collection that does not exist yet (MongoDB and FerretDB alike). */
const NAMESPACE_NOT_FOUND = 26;

/**
 * Creates the indexes of `wanted` the collection lacks, one per command, and returns their names. Never a
 * `createIndexes` naming an index that exists: see {@link missingIndexes}. Two writers starting at once may both
 * create one index; both servers take that as a success.
 */
export async function ensureIndexes<T extends Document>(
  collection: Collection<T>,
  wanted: readonly IndexSpec[],
): Promise<string[]> {
  let existing: ListedIndex[];
  try {
    existing = await collection.listIndexes().toArray();
  } catch (err) {
    if (!(err instanceof MongoServerError) || err.code !== NAMESPACE_NOT_FOUND) throw err;
    existing = [];
  }
  const missing = missingIndexes(existing, wanted);
  for (const index of missing) {
    await collection.createIndex({ ...index.key }, { name: index.name });
  }
  return missing.map((index) => index.name);
}
