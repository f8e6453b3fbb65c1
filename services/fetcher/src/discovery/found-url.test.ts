import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidUrlError } from '../errors.ts';
import { documentUrl, normaliseFoundUrl, resolveFoundUrl } from './found-url.ts';

const base = new URL('https://site.example/dir/page.html?q=1');

describe('resolveFoundUrl', () => {
  it.each([
    ['an absolute URL', 'http://other.example/a', 'http://other.example/a'],
    ['a relative path', 'next.html', 'https://site.example/dir/next.html'],
    ['a root-relative path', '/top', 'https://site.example/top'],
    ['a scheme-relative URL', '//cdn.example/x', 'https://cdn.example/x'],
    ['a URL with a fragment', '/a#section', 'https://site.example/a'],
    ['a URL with spaces around it', '  /a  ', 'https://site.example/a'],
    ['a bare fragment', '#top', 'https://site.example/dir/page.html?q=1'],
  ])('resolves %s', (_what, raw, expected) => {
    expect(resolveFoundUrl(raw, base)).toBe(expected);
  });

  it.each([
    ['mailto:', 'mailto:someone@site.example'],
    ['javascript:', 'javascript:void(0)'],
    ['data:', 'data:text/html,hi'],
    ['ftp:', 'ftp://files.example/x'],
    ['a URL that does not parse', 'http://[not-an-ip/'],
  ])('drops %s', (_what, raw) => {
    expect(resolveFoundUrl(raw, base)).toBeUndefined();
  });
});

describe('normaliseFoundUrl', () => {
  it('strips the fragment, also an empty one', () => {
    expect(normaliseFoundUrl('https://site.example/a?b=1#c')).toBe('https://site.example/a?b=1');
    expect(normaliseFoundUrl('https://site.example/a#')).toBe('https://site.example/a');
  });

  it('keeps the query, its order, the trailing slash and the path case', () => {
    expect(normaliseFoundUrl('https://site.example/A/b/?z=1&a=2&utm_source=x')).toBe(
      'https://site.example/A/b/?z=1&a=2&utm_source=x',
    );
  });

  it('throws InvalidUrlError naming a URL that does not parse', () => {
    expect(() => normaliseFoundUrl('not a url')).toThrow(InvalidUrlError);
    expect(() => normaliseFoundUrl('not a url')).toThrow('"not a url"');
  });
});

describe('documentUrl', () => {
  it('throws InvalidUrlError for a base URL that does not parse', () => {
    expect(() => documentUrl('/relative')).toThrow(
      /invalid URL "\/relative": the document URL does not parse/,
    );
  });
});

describe('resolveFoundUrl with nothing in it', () => {
  it.each(['', '   ', '\n\t'])('drops the blank reference %j rather than resolving it to the base', (raw) => {
    expect(resolveFoundUrl(raw, base)).toBeUndefined();
  });
});

describe('normaliseFoundUrl, for any web URL', () => {
  const urls = fc.webUrl({ withQueryParameters: true, withFragments: true });

  it('removes exactly the fragment, and is idempotent', () => {
    fc.assert(
      fc.property(urls, (raw) => {
        const normalised = normaliseFoundUrl(raw);
        const expected = new URL(raw);
        expected.hash = '';
        expect(normalised).toBe(expected.href);
        expect(normalised).not.toContain('#');
        expect(normaliseFoundUrl(normalised)).toBe(normalised);
      }),
    );
  });
});
