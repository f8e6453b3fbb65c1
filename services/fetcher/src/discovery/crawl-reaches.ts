import { BATCH_COLLECTIONS, batchJobId, type Discover } from '@tributary/contracts';
import { insertNew } from '@tributary/core';
import type { Collection, Db } from 'mongodb';
import type { CrawlOutgoing } from './page-finds.ts';

/** How far a crawl follows links from a page: the root it crawls for, its `discover`, the hops left. */
export interface CrawlReach {
  root: string;
  discover: Discover;
  reach: number;
}

/** A found page whose reach a finder raised, with where it leads. */
export interface RaisedPage {
  url: string;
  reach: CrawlReach;
  outgoing: CrawlOutgoing;
}

/** Where a crawled page leads, once it was fetched. */
interface LinksRecord {
  _id: string;
  batch: string;
  jobId: string;
  outgoing: CrawlOutgoing;
}

/** A reach raised for a found page, keyed by the page and the reach: one raise to each reach wins. */
interface ReachRecord extends CrawlReach {
  _id: string;
  batch: string;
  jobId: string;
  by: string;
}

/**
 * What makes a crawl's depth exact although its pages are fetched in no particular order (docs/architecture.md
 * §17): a page is claimed by whoever finds it first, and under several fetchers (or two roots that overlap) that
 * may be over a longer path than the shortest, which would stop its crawl short. A finder that finds a claimed
 * page with more hops left than it was claimed with raises its reach (an insert keyed by page and reach) and, if
 * the page was fetched already, follows its kept links from there itself; if not, the page's own fetch sees the
 * raise. The page keeps its links before it reads the raises and a finder raises before it reads the links, so
 * at least one of them sees the other: no page is fetched twice and none is left short.
 */
export class CrawlReaches {
  readonly #links: Collection<LinksRecord>;
  readonly #raises: Collection<ReachRecord>;

  constructor(db: Db) {
    this.#links = db.collection<LinksRecord>(BATCH_COLLECTIONS.foundLinks);
    this.#raises = db.collection<ReachRecord>(BATCH_COLLECTIONS.foundReach);
  }

  /** Keeps where the fetched page leads, then resolves with the reaches raised for it so far. */
  async keepOutgoing(batch: string, jobId: string, outgoing: CrawlOutgoing): Promise<CrawlReach[]> {
    await insertNew(this.#links, [{ _id: batchJobId(batch, jobId), batch, jobId, outgoing }], 'crawl links');
    const raises = await this.#raises.find({ batch, jobId }).toArray();
    return raises.map(({ root, discover, reach }) => ({ root, discover, reach }));
  }

  /**
   * Raises each found page's reach to the one offered, where that is more than the page holds (`held`: what it
   * was claimed with, before any raise); resolves with the pages `by` raised, now or in an earlier delivery, that
   * were fetched already, whose links `by` is to follow.
   */
  async raise(
    batch: string,
    by: string,
    pages: readonly { jobId: string; url: string; reach: CrawlReach; held: number }[],
  ): Promise<RaisedPage[]> {
    if (pages.length === 0) return [];
    const best = new Map(pages.map((page) => [page.jobId, page.held]));
    const mine = new Set<string>();
    const raises = this.#raises.find({ batch, jobId: { $in: pages.map((page) => page.jobId) } });
    for await (const raise of raises) {
      best.set(raise.jobId, Math.max(best.get(raise.jobId) ?? raise.reach, raise.reach));
      if (raise.by === by) mine.add(raise._id);
    }
    const key = (page: (typeof pages)[number]) => `${batchJobId(batch, page.jobId)}@${page.reach.reach}`;
    const again = pages.filter((page) => mine.has(key(page)));
    const higher = pages.filter((page) => page.reach.reach > (best.get(page.jobId) ?? page.held));
    const taken = await insertNew(
      this.#raises,
      higher.map((page) => ({ _id: key(page), batch, jobId: page.jobId, by, ...page.reach })),
      'crawl reaches',
    );
    const raised = [...again, ...higher.filter((page) => !taken.has(key(page)))];
    if (raised.length === 0) return [];
    const links = await this.#links
      .find({ _id: { $in: raised.map((page) => batchJobId(batch, page.jobId)) } })
      .toArray();
    const outgoing = new Map(links.map((record) => [record.jobId, record.outgoing]));
    return raised.flatMap((page) => {
      const leads = outgoing.get(page.jobId);
      return leads === undefined ? [] : [{ url: page.url, reach: page.reach, outgoing: leads }];
    });
  }
}
