import { crawlDepthOf, type Discover, type FetchJob, jobIdFor } from '@tributary/contracts';
import { HandlerError } from '@tributary/messaging';
import type { HttpResponse } from '../http-client.ts';
import { headerValue } from '../http-client.ts';
import type { CrawlReach } from './crawl-reaches.ts';
import type { FoundCandidate, FoundLedger } from './found-ledger.ts';
import {
  crawlFinds,
  crawlOutgoing,
  type DiscoveringPage,
  type FoundUrl,
  type PageFinds,
  pageFinds,
} from './page-finds.ts';

export interface DiscoveryOptions {
  /** Jobs one root may find when its `discover.maxPages` says nothing. */
  defaultMaxPages: number;
  /** The most bytes of a discovery document read, after decompression. */
  maxBytes: number;
}

export interface DiscoveryDeps {
  /** The ledger, once the database is there; undefined makes every discovery wait (retryable). */
  ledger: () => FoundLedger;
  /** Publishes a found job to the fetch stage, resolving once the broker confirmed it. */
  publish: (job: FetchJob) => Promise<void>;
  /** Hears of each page's finds: how many were published, and how many were found before or over a bound. */
  onFound?: (kind: Discover['kind'], counts: { published: number; skipped: number }) => void;
}

export interface DiscoveryResult {
  /** Whether the page itself goes on to be ingested. */
  ingest: boolean;
  published: number;
}

/**
 * The fetch stage's discovery (docs/architecture.md §17), for a job with `discover` whose page came back 2xx:
 * what the page finds (page-finds.ts) is claimed in the ledger (deduplicated by job id across replicas and
 * restarts, within the root's bounds) and published to the fetch stage with confirms, all before the job's own
 * outcome, so the job is acked only once what it found is safe. A job that does not ingest its page is recorded
 * in its batch as `discovered`; one that does ends where its record is stored, like any job.
 */
export class Discovery {
  readonly #options: DiscoveryOptions;
  readonly #deps: DiscoveryDeps;

  constructor(options: DiscoveryOptions, deps: DiscoveryDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  async discover(job: FetchJob & { discover: Discover }, response: HttpResponse): Promise<DiscoveryResult> {
    const root = job.found?.root ?? job.id;
    const depth = job.found?.depth ?? 0;
    const page: DiscoveringPage = {
      url: job.url,
      finalUrl: response.finalUrl,
      contentType: headerValue(response.headers['content-type']) ?? '',
      linkHeader: response.headers.link,
      body: response.body,
      depth,
    };
    const ledger = this.#ledger();
    const namespace = job.batch ?? `~${root}`;
    try {
      if (depth === 0) {
        await ledger.markRoot(namespace, job);
      }
      const result =
        job.discover.kind === 'crawl'
          ? await this.#crawl(ledger, namespace, job, page, { root, discover: job.discover, depth })
          : await this.#find(ledger, namespace, job, pageFinds(job.discover, page, this.#options), {
              root,
              discover: job.discover,
              depth,
            });
      if (!result.ingest && job.batch !== undefined) await ledger.recordDiscovered(job.batch, job.id);
      return result;
    } catch (err) {
      if (err instanceof HandlerError) throw err;
      // The database (or the broker's confirm) failed: the job comes back and its finds are claimed or
      // published again, which the ledger makes harmless.
      throw new HandlerError(
        'discovery-unavailable',
        `discovery could not record its finds: ${(err as Error).message}`,
        {
          retryable: true,
          cause: err,
        },
      );
    }
  }

  /**
   * Claims and publishes what a page found under a root, each job once however often this delivery finds it
   * (`sent`); resolves with how many it published, every candidate it found and the reach of those found before.
   */
  async #find(
    ledger: FoundLedger,
    namespace: string,
    job: FetchJob & { discover: Discover },
    finds: PageFinds,
    under: FoundUnder,
    sent = new Set<string>(),
  ): Promise<DiscoveryResult & { candidates: FoundCandidate[]; heldReach: ReadonlyMap<string, number> }> {
    const { discover } = under;
    const byId = new Map<string, FoundUrl>();
    const candidates: FoundCandidate[] = [];
    for (const found of finds.found) {
      const jobId = jobIdFor({ url: found.url });
      if (byId.has(jobId)) continue;
      byId.set(jobId, found);
      const depth = Math.max(1, under.depth + found.hop);
      const reach = discover.kind === 'crawl' ? { reach: crawlDepthOf(discover) - depth } : {};
      candidates.push({ jobId, url: found.url, depth, ...reach });
    }
    const { publish: claimed, heldReach } = await ledger.claim(namespace, under.root, job.id, candidates, {
      maxPages: discover.maxPages ?? this.#options.defaultMaxPages,
      maxPerHost: discover.maxPerHost,
    });
    // Following another page's links (a raised reach), a link back to this job's own page is found too: its
    // record, a root's own, names it as `by`, but it is this job, not a find of it.
    const toSend = claimed.filter((candidate) => candidate.jobId !== job.id && !sent.has(candidate.jobId));
    await Promise.all(
      toSend.map((candidate) =>
        this.#deps.publish(foundJob(job, candidate, byId.get(candidate.jobId) as FoundUrl, under)),
      ),
    );
    for (const candidate of toSend) sent.add(candidate.jobId);
    this.#deps.onFound?.(discover.kind, {
      published: toSend.length,
      skipped: candidates.length - toSend.length,
    });
    return { ingest: finds.ingest, published: toSend.length, candidates, heldReach };
  }

  /**
   * A crawled page: its links are kept, then followed from its own depth and from every reach raised for it;
   * pages it finds that were claimed with fewer hops left are raised in turn, and those fetched already are
   * followed from here (crawl-reaches.ts). A raise is to more hops than the page had, up to the crawl's depth,
   * and each page is followed once per root and reach, so this ends.
   */
  async #crawl(
    ledger: FoundLedger,
    namespace: string,
    job: FetchJob & { discover: Discover },
    page: DiscoveringPage,
    own: FoundUnder,
  ): Promise<DiscoveryResult> {
    const outgoing = crawlOutgoing(page);
    if (outgoing === undefined) return { ingest: job.discover.ingest ?? true, published: 0 };
    const ownReach = crawlDepthOf(own.discover) - own.depth;
    const raised = await ledger.crawl.keepOutgoing(namespace, job.id, outgoing);
    const toFollow = [
      { url: job.url, outgoing, under: own },
      ...raised
        .filter((raise) => raise.reach > ownReach)
        .map((raise) => ({ url: job.url, outgoing, under: underReach(raise) })),
    ];
    let published = 0;
    let ingest: boolean | undefined;
    const sent = new Set<string>();
    const followed = new Set<string>();
    for (let next = toFollow.shift(); next !== undefined; next = toFollow.shift()) {
      const finds = crawlFinds(next.under.discover, next.url, next.under.depth, next.outgoing);
      const result = await this.#find(ledger, namespace, job, finds, next.under, sent);
      published += result.published;
      // The page's own finds come first and say whether it is ingested (not when it is a duplicate).
      ingest ??= result.ingest;
      const { root, discover } = next.under;
      const raisedNow = await ledger.crawl.raise(
        namespace,
        job.id,
        result.candidates.flatMap(({ jobId, url, reach = 0 }) => {
          const held = result.heldReach.get(jobId);
          return held !== undefined && reach > held
            ? [{ jobId, url, reach: { root, discover, reach }, held }]
            : [];
        }),
      );
      for (const raise of raisedNow) {
        // Canonical links keep the reach: two pages naming each other must not be followed in a circle.
        const key = `${raise.url} ${raise.reach.root} ${raise.reach.reach}`;
        if (followed.has(key)) continue;
        followed.add(key);
        toFollow.push({ url: raise.url, outgoing: raise.outgoing, under: underReach(raise.reach) });
      }
    }
    return { ingest: ingest ?? true, published };
  }

  #ledger(): FoundLedger {
    try {
      return this.#deps.ledger();
    } catch (err) {
      throw new HandlerError('discovery-unavailable', (err as Error).message, {
        retryable: true,
        cause: err,
      });
    }
  }
}

/** Where a page's finds go: under which root, by which `discover`, the page at which depth. */
interface FoundUnder {
  root: string;
  discover: Discover;
  depth: number;
}

/** A raised reach as the depth under its root's crawl it puts the page at. */
function underReach(raise: CrawlReach): FoundUnder {
  return { root: raise.root, discover: raise.discover, depth: crawlDepthOf(raise.discover) - raise.reach };
}

/**
 * The found job: of the same batch, with the finding job's meta (and what the page said of it), marked found
 * under the root at its depth, discovering in its turn by the root's `discover` when the page found it as such.
 */
function foundJob(parent: FetchJob, candidate: FoundCandidate, found: FoundUrl, under: FoundUnder): FetchJob {
  const meta = found.meta === undefined ? parent.meta : { ...parent.meta, ...found.meta };
  return {
    id: candidate.jobId,
    url: candidate.url,
    ...(parent.batch === undefined ? {} : { batch: parent.batch }),
    ...(meta === undefined ? {} : { meta }),
    ...(parent.source === undefined ? {} : { source: parent.source }),
    ...(found.discovers ? { discover: under.discover } : {}),
    found: { root: under.root, depth: candidate.depth },
  };
}
