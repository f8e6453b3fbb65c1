import {
  BATCH_COLLECTIONS,
  type BatchJobRecord,
  batchJobId,
  type Discover,
  type FetchJob,
  type FoundJobRecord,
  rootFoundRecord,
} from '@tributary/contracts';
import { insertNew } from '@tributary/core';
import type { Collection, Db } from 'mongodb';
import { CrawlReaches } from './crawl-reaches.ts';

/** A job found on a page, before it is claimed. */
export interface FoundCandidate {
  jobId: string;
  url: string;
  depth: number;
  /** For a crawl's page: the link hops its crawl follows from it. */
  reach?: number;
}

/** What a claim resolves with. */
export interface Claimed {
  /** What the finder is to publish: the jobs it claimed now and those it had claimed before (a redelivery). */
  publish: FoundCandidate[];
  /** The reach recorded for the candidates found before (crawl pages only), by job id. */
  heldReach: ReadonlyMap<string, number>;
}

export interface FoundBounds {
  /** Jobs found under the root, at most. */
  maxPages: number;
  /** Jobs found under the root on one host, at most. */
  maxPerHost: number | undefined;
}

/** One slot of a bound taken: its key is the bound's and the slot's number. */
interface BudgetSlot {
  _id: string;
}

/**
 * What makes discovery exact across replicas and restarts (docs/architecture.md §17): a found job is claimed by
 * inserting its record, keyed by batch and job id, before it is published. The first finder's insert wins; every
 * later finding fails on the key and publishes nothing. A finder that is itself redelivered (it crashed after
 * claiming, perhaps before publishing) publishes again what it had claimed: the same job ids, which every stage
 * treats as the same jobs.
 *
 * Bounds are numbered slots per root (and per root and host), taken before the claim for as many jobs as would
 * be claimed; what got a slot is claimed. A claim lost to another replica, or a crash between taking a slot and
 * the claim, leaves a slot unused: a discovery may end short of its bound, never past it.
 */
export class FoundLedger {
  readonly #found: Collection<FoundJobRecord>;
  readonly #budgets: Collection<BudgetSlot>;
  readonly #jobs: Collection<BatchJobRecord>;
  /** The reaches of a crawl's pages, raised where a crawl finds a page in fewer hops than it was found in. */
  readonly crawl: CrawlReaches;

  constructor(db: Db) {
    this.crawl = new CrawlReaches(db);
    this.#found = db.collection<FoundJobRecord>(BATCH_COLLECTIONS.found);
    this.#budgets = db.collection<BudgetSlot>(BATCH_COLLECTIONS.foundBudgets);
    this.#jobs = db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
  }

  /**
   * Records a discovery root of the batch (once; the enqueue may have): a link back to it is then a duplicate,
   * and a sweep knows the root's scope. Not counted in the batch's total: whoever enqueued the root counted it.
   */
  async markRoot(batch: string, root: FetchJob & { discover: Discover }): Promise<void> {
    await insertNew(this.#found, [rootFoundRecord(batch, root)], 'discovery roots');
  }

  /**
   * Claims the candidates for `by`, within the bounds; resolves with those `by` is to publish (the ones it claimed
   * now and the ones it had claimed before, in a redelivery of `by`) and the reach the others were found with.
   * Candidates are distinct by job id.
   */
  async claim(
    batch: string,
    root: string,
    by: string,
    candidates: readonly FoundCandidate[],
    bounds: FoundBounds,
  ): Promise<Claimed> {
    if (candidates.length === 0) return { publish: [], heldReach: new Map() };
    const ids = candidates.map((candidate) => batchJobId(batch, candidate.jobId));
    const known = await this.#found
      .find({ _id: { $in: ids } }, { projection: { by: 1, jobId: 1, reach: 1 } })
      .toArray();
    const knownBy = new Map(known.map((record) => [record._id, record.by]));
    const heldReach = new Map<string, number>();
    for (const record of known) if (record.reach !== undefined) heldReach.set(record.jobId, record.reach);
    const again = candidates.filter((candidate) => knownBy.get(batchJobId(batch, candidate.jobId)) === by);
    const fresh = candidates.filter((candidate) => !knownBy.has(batchJobId(batch, candidate.jobId)));
    const granted = await this.#withinBounds(batch, root, fresh, bounds);
    if (granted.length < fresh.length) {
      // What the root's discovery found is not all there is: a sweep after it would remove what was left out.
      await this.#found.updateOne({ _id: batchJobId(batch, root) }, { $set: { bounded: true } });
    }
    const now = new Date();
    const existing = await insertNew(
      this.#found,
      granted.map((candidate) => ({
        _id: batchJobId(batch, candidate.jobId),
        batch,
        jobId: candidate.jobId,
        url: candidate.url,
        root,
        by,
        depth: candidate.depth,
        ...(candidate.reach === undefined ? {} : { reach: candidate.reach }),
        foundAt: now,
      })),
      'found jobs',
    );
    if (existing.size > 0) {
      // Claimed by another finder between the read and the insert: its reach was not read with the others.
      const raced = this.#found.find({ _id: { $in: [...existing] } }, { projection: { jobId: 1, reach: 1 } });
      for await (const record of raced)
        if (record.reach !== undefined) heldReach.set(record.jobId, record.reach);
    }
    const claimed = granted.filter((candidate) => !existing.has(batchJobId(batch, candidate.jobId)));
    return { publish: [...again, ...claimed], heldReach };
  }

  /** Records that a job of the batch ended having only found others; a job recorded already keeps its record. */
  async recordDiscovered(batch: string, jobId: string): Promise<void> {
    const record: BatchJobRecord = {
      _id: batchJobId(batch, jobId),
      batch,
      jobId,
      outcome: 'discovered',
      endedAt: new Date(),
    };
    await insertNew(this.#jobs, [record], 'batch records');
  }

  /** The candidates that fit under the root's bound and each host's, in their order. */
  async #withinBounds(
    batch: string,
    root: string,
    candidates: readonly FoundCandidate[],
    bounds: FoundBounds,
  ): Promise<FoundCandidate[]> {
    let fitting = [...candidates];
    if (bounds.maxPerHost !== undefined) {
      const byHost = Map.groupBy(fitting, (candidate) => new URL(candidate.url).host);
      fitting = [];
      for (const [host, onHost] of byHost) {
        const granted = await this.#reserve(`${batch}/${root}/${host}`, onHost.length, bounds.maxPerHost);
        fitting.push(...onHost.slice(0, granted));
      }
    }
    const granted = await this.#reserve(`${batch}/${root}`, fitting.length, bounds.maxPages);
    return fitting.slice(0, granted);
  }

  /**
   * Takes up to `wanted` of the `max` slots of a bound; resolves with how many it took. A slot is a document
   * keyed by the bound and its number, so two finders reaching for the same slot cannot both take it: an
   * insert on a taken key fails, atomically on MongoDB and on FerretDB alike (a counter raised with `$inc` in
   * `findOneAndUpdate` is not atomic on FerretDB with SQLite: concurrent raises are lost). A slot lost to
   * another finder is looked for again, until the finder has all it wants or the bound is full: contention
   * must not leave finds out while the bound has room (two fetchers crawling one site lost pages that way).
   * A finder that keeps losing fails the attempt, and its job comes back, rather than drop what it found.
   */
  async #reserve(key: string, wanted: number, max: number): Promise<number> {
    let taken = 0;
    for (let round = 0; taken < wanted; round++) {
      const used = await this.#budgets.countDocuments({ _id: { $gt: `${key}#`, $lt: `${key}$` } });
      const slots = Math.min(wanted - taken, max - used);
      if (slots <= 0) break;
      if (round === RESERVE_ROUNDS) {
        throw new Error(
          `other finders took the slots of bound ${key} ${RESERVE_ROUNDS} times over while it had room`,
        );
      }
      const keys = Array.from({ length: slots }, (_, i) => slotKey(key, used + i));
      const lost = await insertNew(
        this.#budgets,
        keys.map((_id) => ({ _id })),
        'discovery budget slots',
      );
      taken += slots - lost.size;
      if (lost.size === 0) break;
    }
    return taken;
  }
}

/** Rounds of looking for free slots of a bound when other finders took the ones looked at, before giving up. */
const RESERVE_ROUNDS = 50;

/** Slot numbers zero-padded, so that a bound's slots sort together between `key#` and `key$`. */
function slotKey(key: string, slot: number): string {
  return `${key}#${String(slot).padStart(9, '0')}`;
}
