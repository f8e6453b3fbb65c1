import { describe, expect, it } from 'vitest';
import { RobotsRules } from './robots.ts';

const ROBOTS_URL = 'https://site.example/robots.txt';
const ROBOTS = `# robots for site.example
User-agent: *
Disallow: /private/
Disallow: /tmp
Allow: /private/open/
Crawl-delay: 10

User-agent: Tributary-Fetcher
User-agent: other-bot
Disallow: /no-tributary/
Allow: /no-tributary/except/
Crawl-delay: 2.5

User-agent: silent-bot
Disallow:

Sitemap: https://site.example/sitemap.xml
Sitemap: /relative-sitemap.xml.gz
Sitemap: https://site.example/sitemap.xml
`;

describe('RobotsRules.parse', () => {
  const generic = RobotsRules.parse(ROBOTS_URL, ROBOTS, 'some-crawler/3.0');
  const ours = RobotsRules.parse(ROBOTS_URL, ROBOTS, 'tributary-fetcher/0.1');

  it.each([
    ['/', true],
    ['/private/page', false],
    ['/private/open/page', true],
    ['/tmp', false],
    ['/tmpfile', false],
    ['/no-tributary/x', true],
  ])('applies the * group to another crawler: %s → %s', (path, expected) => {
    expect(generic.isAllowed(`https://site.example${path}`)).toBe(expected);
  });

  it.each([
    ['/private/page', true],
    ['/no-tributary/x', false],
    ['/no-tributary/except/x', true],
  ])(
    'applies our own group (matched by product token, case-insensitive) instead of *: %s → %s',
    (path, expected) => {
      expect(ours.isAllowed(`https://site.example${path}`)).toBe(expected);
    },
  );

  it('reads the crawl delay of the matching group', () => {
    expect(generic.crawlDelaySeconds()).toBe(10);
    expect(ours.crawlDelaySeconds()).toBe(2.5);
    expect(RobotsRules.parse(ROBOTS_URL, ROBOTS, 'silent-bot').crawlDelaySeconds()).toBeUndefined();
  });

  it('lists the Sitemap lines resolved, each once, whatever the user agent', () => {
    const expected = ['https://site.example/sitemap.xml', 'https://site.example/relative-sitemap.xml.gz'];
    expect(generic.sitemaps()).toEqual(expected);
    expect(ours.sitemaps()).toEqual(expected);
  });

  it('allows everything for an empty file', () => {
    const empty = RobotsRules.parse(ROBOTS_URL, '', 'tributary-fetcher/0.1');
    expect(empty.isAllowed('https://site.example/private/x')).toBe(true);
    expect(empty.crawlDelaySeconds()).toBeUndefined();
    expect(empty.sitemaps()).toEqual([]);
  });

  it('ignores a negative crawl delay', () => {
    expect(
      RobotsRules.parse(ROBOTS_URL, 'User-agent: *\nCrawl-delay: -1', 'x').crawlDelaySeconds(),
    ).toBeUndefined();
  });

  it('throws when asked about a URL of another origin', () => {
    expect(() => ours.isAllowed('https://elsewhere.example/')).toThrow(
      'https://elsewhere.example/ is not under https://site.example, whose robots.txt these rules are',
    );
    expect(() => ours.isAllowed('http://site.example/')).toThrow(RangeError);
  });
});

describe('RobotsRules without a file', () => {
  it('allows everything, anywhere, for a host whose robots.txt is missing', () => {
    const rules = RobotsRules.allowAll();
    expect(rules.isAllowed('https://site.example/private/x')).toBe(true);
    expect(rules.isAllowed('http://other.example/')).toBe(true);
    expect(rules.crawlDelaySeconds()).toBeUndefined();
    expect(rules.sitemaps()).toEqual([]);
  });
});
