import type { JobOutcome } from '@tributary/contracts';
import { isUnder, outermostScopes } from './url-scope.ts';

/** The reasons a fetch is dead with when the upstream says the page is no more: a 404 and a 410. */
export const GONE_REASONS = ['not-found', 'gone'] as const;
export type GoneReason = (typeof GONE_REASONS)[number];

/** How a job of the batch ended, as the batch records it. */
export interface JobEnding {
  outcome: JobOutcome;
  reason?: string | undefined;
}

/** What a sweep may remove and what it must leave. */
export interface SweepScope {
  /** URL prefixes: only sources under one of them may be removed. */
  scopes: readonly string[];
  /** URL prefixes under which nothing is removed: a discovery that may have missed pages. */
  held: readonly string[];
  /**
   * Only sources last fetched before this may be removed: the batch's start. A source fetched since (stored by
   * another batch meanwhile, or a refresh's source that was not old enough to be enqueued) is none of its business.
   */
  fetchedBefore: Date;
}

/** Why a source goes: its job was dead with a 404 or a 410, or the discovery did not find it again. */
export type RemoveReason = GoneReason | 'not-found-again';
/** Why a source stays. */
export type KeepReason = 'out-of-scope' | 'held' | 'fetched-since' | 'found-again' | 'failing';
export type SweepVerdict = { remove: true; why: RemoveReason } | { remove: false; why: KeepReason };

/**
 * Pure: whether the sweep after a batch removes a source, from the source and how its job ended in the batch
 * (undefined: the batch has no record of it). Within the scope, a source goes when the batch did not find it again
 * or its job was dead because the page is gone; it stays when the job was stored, unchanged or discovered.
 */
export function sweepVerdict(
  source: { url: string; lastFetchedAt: Date },
  ending: JobEnding | undefined,
  scope: SweepScope,
): SweepVerdict {
  if (!isUnder(source.url, scope.scopes)) return { remove: false, why: 'out-of-scope' };
  if (isUnder(source.url, scope.held)) return { remove: false, why: 'held' };
  if (source.lastFetchedAt.getTime() >= scope.fetchedBefore.getTime())
    return { remove: false, why: 'fetched-since' };
  if (ending === undefined) return { remove: true, why: 'not-found-again' };
  if (ending.outcome !== 'dead') return { remove: false, why: 'found-again' };
  // Only the upstream saying the page is gone removes it. A job dead for any other reason (a 5xx, a timeout, a 403,
  // a body the transformer refused, a delivery limit) says nothing about the page: its source is kept, so that a
  // failing upstream can never empty the store.
  if (isGoneReason(ending.reason)) return { remove: true, why: ending.reason };
  return { remove: false, why: 'failing' };
}

export function isGoneReason(reason: string | undefined): reason is GoneReason {
  return (GONE_REASONS as readonly (string | undefined)[]).includes(reason);
}

/** A discovery root of a batch, as its `batch_found` record at depth 0 has it. */
export interface DiscoveryRoot {
  jobId: string;
  url: string;
  sweepScope?: string | undefined;
  /** A bound (maxPages, maxPerHost) left some of what it found unclaimed. */
  bounded?: boolean;
}

/**
 * Why nothing is removed under a root's scope: its own job did not end with a read page (dead, or a 304, which
 * discovers nothing), or a job under it ended dead for another reason than a gone page (a sitemap, a feed page or a
 * crawled page that failed may have listed pages nobody found).
 */
export type HoldReason = 'root-failed' | 'root-unchanged' | 'jobs-failed' | 'bounded';

export interface HeldRoot extends DiscoveryRoot {
  why: HoldReason;
}

/**
 * Pure: whether a root's discovery is complete enough to sweep after, from how the root ended, below it, and
 * whether a bound stopped it (what it left out would look gone).
 */
export function rootHold(
  ending: JobEnding | undefined,
  failedUnder: boolean,
  bounded = false,
): HoldReason | undefined {
  if (ending === undefined || ending.outcome === 'dead') return 'root-failed';
  if (ending.outcome === 'unchanged') return 'root-unchanged';
  if (bounded) return 'bounded';
  return failedUnder ? 'jobs-failed' : undefined;
}

/**
 * Pure: the scope of the sweep after a discovery batch, from its roots, how each root's job ended, and the roots
 * under which a job failed. Nothing is removed under a held root's scope, even where another root's scope covers
 * it. A root with no scope recorded gives none.
 */
export function discoveryScope(
  roots: readonly DiscoveryRoot[],
  endings: ReadonlyMap<string, JobEnding>,
  failedUnder: ReadonlySet<string>,
  fetchedBefore: Date,
): SweepScope & { heldRoots: HeldRoot[] } {
  const heldRoots: HeldRoot[] = [];
  const swept: string[] = [];
  for (const root of roots) {
    if (root.sweepScope === undefined) continue;
    const why = rootHold(endings.get(root.jobId), failedUnder.has(root.jobId), root.bounded);
    if (why === undefined) swept.push(root.sweepScope);
    else heldRoots.push({ ...root, why });
  }
  const held = outermostScopes(heldRoots.map((root) => root.sweepScope as string));
  const scopes = outermostScopes(swept).filter((scope) => !isUnder(scope, held));
  return { scopes, held, heldRoots, fetchedBefore };
}
