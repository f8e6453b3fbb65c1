import { describe, expect, it } from 'vitest';
import { robotsTxt } from './robots.ts';

describe('robotsTxt', () => {
  it('disallows the private pages, asks for a crawl delay and names the sitemap index, absolute', () => {
    expect(robotsTxt('http://127.0.0.2:8080', { crawlDelaySeconds: 0.05 })).toBe(
      'User-agent: *\nDisallow: /site/private/\nCrawl-delay: 0.05\nSitemap: http://127.0.0.2:8080/sitemap.xml\n',
    );
  });

  it('leaves the Crawl-delay line out for 0, and writes whole milliseconds without an exponent', () => {
    expect(robotsTxt('http://h', { crawlDelaySeconds: 0 })).toBe(
      'User-agent: *\nDisallow: /site/private/\nSitemap: http://h/sitemap.xml\n',
    );
    expect(robotsTxt('http://h', { crawlDelaySeconds: 0.0000001 })).not.toContain('Crawl-delay');
    expect(robotsTxt('http://h', { crawlDelaySeconds: 2 })).toContain('Crawl-delay: 2\n');
    expect(robotsTxt('http://h', { crawlDelaySeconds: 0.12345 })).toContain('Crawl-delay: 0.123\n');
  });

  it('refuses a negative delay', () => {
    expect(() => robotsTxt('http://h', { crawlDelaySeconds: -1 })).toThrow(RangeError);
  });
});
