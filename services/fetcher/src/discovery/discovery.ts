import { type Discover, type FetchJob, jobIdFor } from '@tributary/contracts';
import { HandlerError } from '@tributary/messaging';
import type { HttpResponse } from '../http-client.ts';
import { headerValue } from '../http-client.ts';
import type { FoundCandidate, FoundLedger } from './found-ledger.ts';
import { type FoundUrl, pageFinds } from './page-finds.ts';

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
    const { discover } = job;
    const root = job.found?.root ?? job.id;
    const depth = job.found?.depth ?? 0;
    const finds = pageFinds(
      discover,
      {
        url: job.url,
        finalUrl: response.finalUrl,
        contentType: headerValue(response.headers['content-type']) ?? '',
        linkHeader: response.headers.link,
        body: response.body,
        depth,
      },
      { maxBytes: this.#options.maxBytes },
    );
    const ledger = this.#ledger();
    const namespace = job.batch ?? `~${root}`;
    try {
      if (depth === 0) {
        await ledger.markRoot(namespace, job);
      }
      const byId = new Map<string, FoundUrl & { depth: number }>();
      for (const found of finds.found) {
        byId.set(jobIdFor({ url: found.url }), { ...found, depth: Math.max(1, depth + found.hop) });
      }
      const candidates: FoundCandidate[] = [...byId].map(([jobId, found]) => ({
        jobId,
        url: found.url,
        depth: found.depth,
      }));
      const claimed = await ledger.claim(namespace, root, job.id, candidates, {
        maxPages: discover.maxPages ?? this.#options.defaultMaxPages,
        maxPerHost: discover.maxPerHost,
      });
      await Promise.all(
        claimed.map((candidate) => {
          const found = byId.get(candidate.jobId) as FoundUrl & { depth: number };
          return this.#deps.publish(foundJob(job, candidate, found, root));
        }),
      );
      this.#deps.onFound?.(discover.kind, {
        published: claimed.length,
        skipped: candidates.length - claimed.length,
      });
      if (!finds.ingest && job.batch !== undefined) await ledger.recordDiscovered(job.batch, job.id);
      return { ingest: finds.ingest, published: claimed.length };
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

/**
 * The found job: of the same batch, with the root's meta (and what the page said of it), marked found under the
 * root at its depth, discovering in its turn when the page found it as such.
 */
function foundJob(
  parent: FetchJob & { discover: Discover },
  candidate: FoundCandidate,
  found: FoundUrl,
  root: string,
): FetchJob {
  const meta = found.meta === undefined ? parent.meta : { ...parent.meta, ...found.meta };
  return {
    id: candidate.jobId,
    url: candidate.url,
    ...(parent.batch === undefined ? {} : { batch: parent.batch }),
    ...(meta === undefined ? {} : { meta }),
    ...(parent.source === undefined ? {} : { source: parent.source }),
    ...(found.discovers ? { discover: parent.discover } : {}),
    found: { root, depth: candidate.depth },
  };
}
