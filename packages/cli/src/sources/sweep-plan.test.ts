import { describe, expect, it } from 'vitest';
import {
  type DiscoveryRoot,
  discoveryScope,
  type JobEnding,
  rootHold,
  type SweepScope,
  type SweepVerdict,
  sweepVerdict,
} from './sweep-plan.ts';

const BATCH_START = new Date('2026-12-02T10:00:00Z');
const BEFORE = new Date('2026-12-01T10:00:00Z');
const AFTER = new Date('2026-12-02T10:05:00Z');
const SCOPE: SweepScope = {
  scopes: ['http://a.test/pages/'],
  held: ['http://a.test/pages/held/'],
  fetchedBefore: BATCH_START,
};

describe('sweepVerdict', () => {
  it.each<[string, string, Date, JobEnding | undefined, SweepVerdict]>([
    [
      'found again and stored',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'stored' },
      { remove: false, why: 'found-again' },
    ],
    [
      'found again unchanged (304)',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'unchanged' },
      { remove: false, why: 'found-again' },
    ],
    [
      'found again as a discovering page',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'discovered' },
      { remove: false, why: 'found-again' },
    ],
    [
      'not found again by the discovery',
      'http://a.test/pages/1',
      BEFORE,
      undefined,
      { remove: true, why: 'not-found-again' },
    ],
    [
      'dead with a 404',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'not-found' },
      { remove: true, why: 'not-found' },
    ],
    [
      'dead with a 410',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'gone' },
      { remove: true, why: 'gone' },
    ],
    [
      'dead with a 5xx',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'upstream-5xx' },
      { remove: false, why: 'failing' },
    ],
    [
      'dead with a timeout',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'timeout' },
      { remove: false, why: 'failing' },
    ],
    [
      'dead with a 403',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'http-4xx' },
      { remove: false, why: 'failing' },
    ],
    [
      'dead with no reason recorded',
      'http://a.test/pages/1',
      BEFORE,
      { outcome: 'dead' },
      { remove: false, why: 'failing' },
    ],
    [
      'outside the scope, even not found again',
      'http://a.test/other/1',
      BEFORE,
      undefined,
      { remove: false, why: 'out-of-scope' },
    ],
    [
      'outside the scope, even gone',
      'http://b.test/pages/1',
      BEFORE,
      { outcome: 'dead', reason: 'gone' },
      { remove: false, why: 'out-of-scope' },
    ],
    ['under a held scope', 'http://a.test/pages/held/1', BEFORE, undefined, { remove: false, why: 'held' }],
    [
      'fetched since the batch began (by another batch)',
      'http://a.test/pages/1',
      AFTER,
      undefined,
      { remove: false, why: 'fetched-since' },
    ],
    [
      'fetched at the very start of the batch',
      'http://a.test/pages/1',
      BATCH_START,
      { outcome: 'dead', reason: 'gone' },
      { remove: false, why: 'fetched-since' },
    ],
  ])('a source %s: %o', (_, url, lastFetchedAt, ending, verdict) => {
    expect(sweepVerdict({ url, lastFetchedAt }, ending, SCOPE)).toEqual(verdict);
  });

  it('removes nothing when there is no scope', () => {
    const none: SweepScope = { scopes: [], held: [], fetchedBefore: BATCH_START };
    expect(sweepVerdict({ url: 'http://a.test/pages/1', lastFetchedAt: BEFORE }, undefined, none)).toEqual({
      remove: false,
      why: 'out-of-scope',
    });
  });
});

describe('rootHold', () => {
  it.each<[string, JobEnding | undefined, boolean, ReturnType<typeof rootHold>]>([
    ['a sitemap read, nothing failed below', { outcome: 'discovered' }, false, undefined],
    ['a crawl root stored, nothing failed below', { outcome: 'stored' }, false, undefined],
    ['a root read, a job below failed', { outcome: 'discovered' }, true, 'jobs-failed'],
    ['a root answered 304', { outcome: 'unchanged' }, false, 'root-unchanged'],
    ['a root dead with a 5xx', { outcome: 'dead', reason: 'upstream-5xx' }, false, 'root-failed'],
    ['a root dead with a 404', { outcome: 'dead', reason: 'not-found' }, false, 'root-failed'],
    ['a root the batch has no record of', undefined, false, 'root-failed'],
  ])('%s: %s', (_, ending, failedUnder, hold) => {
    expect(rootHold(ending, failedUnder)).toBe(hold);
  });

  it('holds a root a bound stopped, whatever happened below it', () => {
    expect(rootHold({ outcome: 'stored' }, false, true)).toBe('bounded');
    expect(rootHold({ outcome: 'discovered' }, true, true)).toBe('bounded');
  });
});

describe('discoveryScope', () => {
  const root = (jobId: string, sweepScope?: string): DiscoveryRoot => ({
    jobId,
    url: `${sweepScope ?? 'http://x.test/'}${jobId}`,
    sweepScope,
  });

  it('sweeps the scopes of complete roots, once each, and holds those of the others', () => {
    const roots = [
      root('sitemap', 'http://a.test/'),
      root('docs', 'http://a.test/docs/'),
      root('blog', 'http://b.test/blog/'),
      root('failing', 'http://c.test/'),
      root('unscoped'),
    ];
    const endings = new Map<string, JobEnding>([
      ['sitemap', { outcome: 'discovered' }],
      ['docs', { outcome: 'stored' }],
      ['blog', { outcome: 'discovered' }],
      ['failing', { outcome: 'discovered' }],
      ['unscoped', { outcome: 'discovered' }],
    ]);
    const scope = discoveryScope(roots, endings, new Set(['failing']), BATCH_START);
    expect(scope.scopes).toEqual(['http://a.test/', 'http://b.test/blog/']);
    expect(scope.held).toEqual(['http://c.test/']);
    expect(scope.heldRoots.map((held) => [held.jobId, held.why])).toEqual([['failing', 'jobs-failed']]);
    expect(scope.fetchedBefore).toBe(BATCH_START);
  });

  it('removes nothing under a held root even where a complete root covers it', () => {
    const roots = [root('site', 'http://a.test/'), root('docs', 'http://a.test/docs/')];
    const endings = new Map<string, JobEnding>([
      ['site', { outcome: 'discovered' }],
      ['docs', { outcome: 'dead', reason: 'upstream-5xx' }],
    ]);
    const scope = discoveryScope(roots, endings, new Set(), BATCH_START);
    expect(scope).toMatchObject({ scopes: ['http://a.test/'], held: ['http://a.test/docs/'] });
    expect(sweepVerdict({ url: 'http://a.test/docs/1', lastFetchedAt: BEFORE }, undefined, scope)).toEqual({
      remove: false,
      why: 'held',
    });
    expect(sweepVerdict({ url: 'http://a.test/blog/1', lastFetchedAt: BEFORE }, undefined, scope)).toEqual({
      remove: true,
      why: 'not-found-again',
    });
  });

  it('drops a complete scope that a held one covers: there would be nothing to remove in it', () => {
    const roots = [root('site', 'http://a.test/'), root('docs', 'http://a.test/docs/')];
    const endings = new Map<string, JobEnding>([
      ['site', { outcome: 'unchanged' }],
      ['docs', { outcome: 'discovered' }],
    ]);
    expect(discoveryScope(roots, endings, new Set(), BATCH_START)).toMatchObject({
      scopes: [],
      held: ['http://a.test/'],
    });
  });
});
