import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseSitePage,
  SITE_MAX_PAGES,
  siteChildren,
  siteDepth,
  siteDuplicateOf,
  siteLinks,
  siteParent,
} from './site-links.ts';

describe('siteLinks', () => {
  it('links the home to pages 1, 2 and 3 only', () => {
    expect(siteLinks(0, 60)).toEqual([
      { kind: 'child', href: '/site/pages/1', page: 1 },
      { kind: 'child', href: '/site/pages/2', page: 2 },
      { kind: 'child', href: '/site/pages/3', page: 3 },
    ]);
  });

  it('links a page home, up, to its children, to its private page, off-site and to its top', () => {
    expect(siteLinks(4, 60)).toEqual([
      { kind: 'home', href: '/site/', page: 0 },
      { kind: 'parent', href: '1', page: 1 },
      { kind: 'child', href: '/site/pages/13', page: 13 },
      { kind: 'child', href: '/site/pages/14', page: 14 },
      { kind: 'child', href: '/site/pages/15', page: 15 },
      { kind: 'private', href: '/site/private/4' },
      { kind: 'external', href: 'http://other.example/4' },
      { kind: 'fragment', href: '#top' },
    ]);
    // Pages 1–3 go up to the home with a relative path.
    expect(siteLinks(2, 60)[1]).toEqual({ kind: 'parent', href: '../', page: 0 });
  });

  it('links every fifth page to a duplicate URL of an earlier page', () => {
    expect(siteLinks(10, 60).filter((l) => l.kind === 'duplicate')).toEqual([
      { kind: 'duplicate', href: '/site/pages/5?ref=dup', page: 5 },
    ]);
    expect(siteLinks(11, 60).some((l) => l.kind === 'duplicate')).toBe(false);
    expect([5, 15, 60].map(siteDuplicateOf)).toEqual([3, 8, 30]);
  });

  it('leaves out children beyond the live page count', () => {
    expect(siteChildren(4, 14)).toEqual([13, 14]);
    expect(siteLinks(4, 12).filter((l) => l.kind === 'child')).toEqual([]);
    expect(siteLinks(0, 1)).toEqual([{ kind: 'child', href: '/site/pages/1', page: 1 }]);
    expect(siteLinks(0, 0)).toEqual([]);
  });

  it('resolves every relative href to the page it names, on the page it is on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000 }), (page) => {
        for (const link of siteLinks(page, 2_000)) {
          if (link.page === undefined) continue;
          const url = new URL(link.href, `http://h/site/pages/${page}`);
          const expected = link.page === 0 ? '/site/' : `/site/pages/${link.page}`;
          expect(url.pathname).toBe(expected);
        }
      }),
    );
  });
});

describe('the tree', () => {
  it('numbers pages breadth-first, so a page’s depth is fixed by its number', () => {
    expect([0, 1, 3, 4, 12, 13, 39, 40, 120, 121].map(siteDepth)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect([1, 3, 4, 12, 13].map(siteParent)).toEqual([0, 0, 1, 3, 4]);
    expect(siteParent(0)).toBeUndefined();
  });

  it('keeps every live page reachable and every site link live, whatever the live count', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 3_000 })
          .chain((pages) => fc.tuple(fc.constant(pages), fc.integer({ min: 0, max: pages }))),
        ([pages, page]) => {
          for (const link of siteLinks(page, pages)) {
            if (link.page !== undefined) expect(link.page).toBeLessThanOrEqual(pages);
          }
          if (page > 0) {
            const parent = siteParent(page) ?? -1;
            expect(siteChildren(parent, pages)).toContain(page);
            expect(siteDepth(page)).toBe(siteDepth(parent) + 1);
          }
          const duplicate = siteDuplicateOf(page);
          if (duplicate !== undefined) expect(duplicate).toBeLessThan(page);
        },
      ),
    );
  });
});

describe('parseSitePage', () => {
  it('takes only the plain decimal form, so a page has one path', () => {
    expect(['1', '60', String(SITE_MAX_PAGES)].map(parseSitePage)).toEqual([1, 60, SITE_MAX_PAGES]);
    expect(['0', '07', '7.0', '-1', 'x', '', '1234567'].map(parseSitePage)).toEqual(Array(7).fill(undefined));
  });
});
