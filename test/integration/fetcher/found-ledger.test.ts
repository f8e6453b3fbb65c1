import { BATCH_COLLECTIONS, batchJobId, type FoundJobRecord, jobIdFor } from '@tributary/contracts';
import { type FoundCandidate, FoundLedger } from '@tributary/fetcher';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDatabase, useDatabase } from '../../support/services.ts';

// The ledger that makes discovery exact, against the real MongoDB-wire server: claims once per batch whoever finds
// first, publishes again what a redelivered finder had claimed, and never lets a bound be passed, however many
// finders claim at once.

let database: TestDatabase;
let ledger: FoundLedger;

beforeEach(async () => {
  database = await useDatabase();
  ledger = new FoundLedger(database.db);
});

afterEach(() => database?.[Symbol.asyncDispose]());

function candidates(from: number, count: number, host = 'site.example'): FoundCandidate[] {
  return Array.from({ length: count }, (_, i) => {
    const url = `http://${host}/pages/${from + i}`;
    return { jobId: jobIdFor({ url }), url, depth: 1 };
  });
}

const UNBOUNDED = { maxPages: 1_000_000, maxPerHost: undefined };

/** What a claim gives its finder to publish. */
async function claimFor(...args: Parameters<FoundLedger['claim']>): Promise<FoundCandidate[]> {
  return (await ledger.claim(...args)).publish;
}

describe('FoundLedger', () => {
  it('claims a job once per batch: a second finder publishes nothing, a redelivered finder publishes its claims again', async () => {
    const found = candidates(1, 5);
    expect(await claimFor('b1', 'root', 'finder-a', found, UNBOUNDED)).toEqual(found);
    expect(await claimFor('b1', 'root', 'finder-b', found, UNBOUNDED)).toEqual([]);
    // finder-a crashed after claiming and is redelivered: the same jobs again, and the new one it finds now.
    const again = await claimFor('b1', 'root', 'finder-a', [...found, ...candidates(6, 1)], UNBOUNDED);
    expect(again.map((c) => c.url)).toEqual([...found, ...candidates(6, 1)].map((c) => c.url));
    // Another batch is another set of jobs.
    expect(await claimFor('b2', 'root', 'finder-b', found, UNBOUNDED)).toEqual(found);
    const records = database.db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
    expect(await records.countDocuments({ batch: 'b1' })).toBe(6);
  });

  it('never passes a bound, with many finders claiming at once', async () => {
    const finders = Array.from({ length: 12 }, (_, i) =>
      claimFor('b1', 'root', `finder-${i}`, candidates(i * 10, 10), {
        maxPages: 25,
        maxPerHost: undefined,
      }),
    );
    const published = (await Promise.all(finders)).flat();
    // Slots lost to a finder that won them are looked for again: contention leaves none of the bound unused.
    expect(published.length).toBe(25);
    const records = database.db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
    expect(await records.countDocuments({ batch: 'b1' })).toBe(published.length);
  });

  it('leaves nothing out under contention while the bound has room', async () => {
    const finders = Array.from({ length: 12 }, (_, i) =>
      claimFor('b1', 'root', `finder-${i}`, candidates(i * 10, 10), UNBOUNDED),
    );
    const published = (await Promise.all(finders)).flat();
    expect(published.map((candidate) => candidate.url).sort()).toEqual(
      candidates(0, 120)
        .map((candidate) => candidate.url)
        .sort(),
    );
    const root = await database.db
      .collection<FoundJobRecord>(BATCH_COLLECTIONS.found)
      .findOne({ _id: batchJobId('b1', 'root') });
    expect(root?.bounded).toBeUndefined();
  });

  it('bounds each host on its own, and marks the root bounded when a claim did not fit', async () => {
    const root = { id: 'root', url: 'http://site.example/', discover: { kind: 'crawl' as const } };
    await ledger.markRoot('b1', root);
    const bounds = { maxPages: 100, maxPerHost: 3 };
    const published = await claimFor(
      'b1',
      'root',
      'root',
      [...candidates(1, 5, 'a.example'), ...candidates(1, 2, 'b.example')],
      bounds,
    );
    expect(published.map((c) => new URL(c.url).host).sort()).toEqual([
      'a.example',
      'a.example',
      'a.example',
      'b.example',
      'b.example',
    ]);
    const records = database.db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
    expect(await records.findOne({ depth: 0 })).toMatchObject({ url: 'http://site.example/', bounded: true });
  });

  it('records a job that only found others as discovered in its batch, once', async () => {
    await ledger.recordDiscovered('b1', 'sitemap');
    await ledger.recordDiscovered('b1', 'sitemap');
    const jobs = database.db.collection(BATCH_COLLECTIONS.jobs);
    expect(await jobs.find({ batch: 'b1' }).project({ _id: 0, jobId: 1, outcome: 1 }).toArray()).toEqual([
      { jobId: 'sitemap', outcome: 'discovered' },
    ]);
  });
});
