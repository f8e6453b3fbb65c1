import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryOptionsError } from './errors.ts';
import { UrlScope } from './url-scope.ts';

const ROOT = 'https://site.example/docs/';

describe('UrlScope', () => {
  it.each([
    ['a page on the same site', 'https://site.example/other', true],
    ['the default port written out', 'https://site.example:443/x', true],
    ['the host in another case', 'https://SITE.example/x', true],
    ['another scheme', 'http://site.example/x', false],
    ['another port', 'https://site.example:8443/x', false],
    ['a subdomain', 'https://www.site.example/x', false],
    ['another host', 'https://elsewhere.example/x', false],
    ['a URL that does not parse', 'not a url', false],
  ])('by default follows only the same site: %s → %s', (_what, url, expected) => {
    expect(new UrlScope(ROOT).allows(url)).toBe(expected);
  });

  it('follows other sites with sameSite: false', () => {
    const scope = new UrlScope(ROOT, { sameSite: false });
    expect(scope.allows('https://elsewhere.example/x')).toBe(true);
    expect(scope.allows('http://site.example/x')).toBe(true);
  });

  it('follows only URLs matching an include pattern, when given', () => {
    const scope = new UrlScope(ROOT, { include: ['^https://site\\.example/docs/', '/blog/\\d{4}/'] });
    expect(scope.allows('https://site.example/docs/a')).toBe(true);
    expect(scope.allows('https://site.example/blog/2024/post')).toBe(true);
    expect(scope.allows('https://site.example/blog/draft')).toBe(false);
  });

  it('lets exclude win over include', () => {
    const scope = new UrlScope(ROOT, { include: ['/docs/'], exclude: ['\\.pdf$', '[?&]print='] });
    expect(scope.allows('https://site.example/docs/guide')).toBe(true);
    expect(scope.allows('https://site.example/docs/guide.pdf')).toBe(false);
    expect(scope.allows('https://site.example/docs/guide?print=1')).toBe(false);
  });

  it('tests patterns against the URL as parsed', () => {
    const scope = new UrlScope(ROOT, { include: ['^https://site\\.example/docs/a%20b$'] });
    expect(scope.allows('https://SITE.example:443/docs/a b')).toBe(true);
  });

  it('accepts options left undefined, as a job schema gives them', () => {
    const scope = new UrlScope(ROOT, { sameSite: undefined, include: undefined, exclude: undefined });
    expect(scope.allows('https://site.example/x')).toBe(true);
    expect(scope.allows('https://elsewhere.example/x')).toBe(false);
  });

  it('throws InvalidDiscoveryOptionsError naming a pattern that does not compile', () => {
    const build = () => new UrlScope(ROOT, { include: ['/ok/'], exclude: ['/fine/', '(unclosed'] });
    expect(build).toThrow(InvalidDiscoveryOptionsError);
    expect(build).toThrow(/^exclude pattern "\(unclosed" is not a valid regular expression: /);
  });
});
