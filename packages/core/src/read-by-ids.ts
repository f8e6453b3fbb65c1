import type { Collection, Document, Filter, WithId } from 'mongodb';

/**
 * The documents of a collection with the given `_id`s (those that exist), read the way that costs the server
 * least: up to `oneByOneUpTo` ids as one `find({ _id })` each, all at once, more as one
 * `find({ _id: { $in } })`. On MongoDB both use the `_id` index, and one `$in` is one round trip
 * (`oneByOneUpTo` 0); on FerretDB both are passes over the collection, and one pushed-down `_id` equality costs
 * a fraction of an `$in` per document (server-profile.ts, `readByIdUpTo`).
 */
export async function readByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
  options: { projection: Document; oneByOneUpTo: number },
): Promise<WithId<T>[]> {
  if (ids.length === 0) return [];
  const { projection, oneByOneUpTo } = options;
  if (ids.length > oneByOneUpTo) {
    return collection.find({ _id: { $in: [...ids] } } as Filter<T>, { projection }).toArray();
  }
  const found = await Promise.all(ids.map((_id) => collection.findOne({ _id } as Filter<T>, { projection })));
  return found.filter((document) => document !== null);
}
