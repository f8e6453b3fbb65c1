import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, documentIdFor, jobIdFor, normaliseUrl } from './ids.ts';

describe('normaliseUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a?b=2&a=1#frag', 'http://example.com/a?a=1&b=2'],
    ['https://example.com:443/', 'https://example.com/'],
    ['https://example.com:8443/x?', 'https://example.com:8443/x'],
    ['https://example.com/a%20b', 'https://example.com/a%20b'],
  ])('normalises %s', (input, expected) => {
    expect(normaliseUrl(input)).toBe(expected);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = normaliseUrl(url);
        expect(normaliseUrl(once)).toBe(once);
      }),
    );
  });
});

describe('jobIdFor', () => {
  it('gives the same id to the same request written differently', () => {
    expect(jobIdFor({ url: 'http://example.com/a?y=1&x=2' })).toBe(
      jobIdFor({ url: 'HTTP://EXAMPLE.com:80/a?x=2&y=1#top', method: 'get' }),
    );
  });

  it('tells apart method, URL and body', () => {
    const base = jobIdFor({ url: 'http://example.com/a', method: 'POST', body: '{"q":1}' });
    expect(jobIdFor({ url: 'http://example.com/a', method: 'PUT', body: '{"q":1}' })).not.toBe(base);
    expect(jobIdFor({ url: 'http://example.com/b', method: 'POST', body: '{"q":1}' })).not.toBe(base);
    expect(jobIdFor({ url: 'http://example.com/a', method: 'POST', body: '{"q":2}' })).not.toBe(base);
  });
});

describe('documentIdFor', () => {
  it('is deterministic and distinct per chunk', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(1000), fc.nat(1000), (jobId, a, b) => {
        expect(documentIdFor(jobId, a)).toBe(documentIdFor(jobId, a));
        if (a !== b) expect(documentIdFor(jobId, a)).not.toBe(documentIdFor(jobId, b));
      }),
    );
  });

  it('does not collide across jobs whose ids run into the index', () => {
    expect(documentIdFor('job1', 23)).not.toBe(documentIdFor('job12', 3));
  });
});

describe('contentHash', () => {
  it('hashes text and bytes alike', () => {
    expect(contentHash('héllo')).toBe(contentHash(Buffer.from('héllo')));
    expect(contentHash('a')).not.toBe(contentHash('b'));
  });
});
