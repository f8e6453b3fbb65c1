import type { Collection } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { readByIds } from './read-by-ids.ts';

/** A collection holding `ids`, that tells which read each lookup was. */
function collectionOf(ids: string[]) {
  const reads: string[] = [];
  const collection = {
    findOne: async (filter: { _id: string }) => {
      reads.push(`findOne ${filter._id}`);
      return ids.includes(filter._id) ? { _id: filter._id } : null;
    },
    find: (filter: { _id: { $in: string[] } }) => {
      reads.push(`find $in ${filter._id.$in.length}`);
      return { toArray: async () => filter._id.$in.filter((id) => ids.includes(id)).map((_id) => ({ _id })) };
    },
  };
  return { reads, collection: collection as unknown as Collection<{ _id: string }> };
}

describe('readByIds', () => {
  it('reads up to oneByOneUpTo ids by _id equality each, and more in one $in, finding only those stored', async () => {
    const { reads, collection } = collectionOf(['a', 'c']);
    const options = { projection: { _id: 1 }, oneByOneUpTo: 3 };
    expect(await readByIds(collection, ['a', 'b', 'c'], options)).toEqual([{ _id: 'a' }, { _id: 'c' }]);
    expect(reads).toEqual(['findOne a', 'findOne b', 'findOne c']);
    reads.length = 0;
    expect(await readByIds(collection, ['a', 'b', 'c', 'd'], options)).toEqual([{ _id: 'a' }, { _id: 'c' }]);
    expect(reads).toEqual(['find $in 4']);
  });

  it('sends nothing for no ids', async () => {
    const { reads, collection } = collectionOf(['a']);
    expect(await readByIds(collection, [], { projection: {}, oneByOneUpTo: 0 })).toEqual([]);
    expect(reads).toEqual([]);
  });
});
