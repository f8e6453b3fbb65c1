import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTES } from './routes.ts';

describe('matchRoute', () => {
  it.each([
    ['/records/42', ROUTES.record, '42'],
    ['/pages/slug-7?version=2', ROUTES.page, 'slug-7'],
    ['/site/', ROUTES.siteHome, undefined],
    ['/site/pages/7?ref=dup', ROUTES.sitePage, '7'],
    ['/site/private/7', ROUTES.sitePrivate, '7'],
    ['/robots.txt', ROUTES.robots, undefined],
    ['/sitemap.xml', ROUTES.sitemapIndex, undefined],
    ['/sitemaps/site-1.xml', ROUTES.sitemapFirst, undefined],
    ['/sitemaps/site-2.xml.gz', ROUTES.sitemapSecond, undefined],
    ['/feed.atom?page=2', ROUTES.atomFeed, undefined],
    ['/control/site?pages=3', ROUTES.siteControl, undefined],
  ])('matches %s to %s', (target, route, id) => {
    expect(matchRoute(target)).toMatchObject({ route, id });
  });

  it.each(['/site', '/site/pages/', '/site/pages/1/2', '/sitemaps/site-3.xml', '/records/a%2Fb'])(
    'leaves %s unmatched',
    (target) => {
      expect(matchRoute(target).route).toBe(ROUTES.unmatched);
    },
  );
});
