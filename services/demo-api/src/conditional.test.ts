import { describe, expect, it } from 'vitest';
import { type ConditionalHeaders, httpDate, isNotModified, strongEtag } from './conditional.ts';

const validators = { etag: '"abc"', lastModified: 'Sat, 01 Mar 2025 12:00:00 GMT' };

describe('isNotModified', () => {
  const cases: [name: string, headers: ConditionalHeaders, expected: boolean][] = [
    ['no precondition', {}, false],
    ['matching If-None-Match', { 'if-none-match': '"abc"' }, true],
    ['a matching tag in a list', { 'if-none-match': '"x", "abc" , "y"' }, true],
    ['a weak tag (weak comparison for GET)', { 'if-none-match': 'W/"abc"' }, true],
    ['If-None-Match: *', { 'if-none-match': '*' }, true],
    ['another tag', { 'if-none-match': '"abd"' }, false],
    ['If-Modified-Since equal to Last-Modified', { 'if-modified-since': validators.lastModified }, true],
    ['If-Modified-Since later', { 'if-modified-since': 'Sun, 02 Mar 2025 00:00:00 GMT' }, true],
    ['If-Modified-Since earlier', { 'if-modified-since': 'Sat, 01 Mar 2025 11:59:59 GMT' }, false],
    ['an invalid date', { 'if-modified-since': 'yesterday' }, false],
    [
      'If-None-Match decides alone when both are sent',
      { 'if-none-match': '"other"', 'if-modified-since': 'Sun, 02 Mar 2025 00:00:00 GMT' },
      false,
    ],
  ];
  it.each(cases)('%s', (_name, headers, expected) => {
    expect(isNotModified(headers, validators)).toBe(expected);
  });
});

describe('validators', () => {
  it('makes a strong, quoted ETag that changes with the bytes', () => {
    expect(strongEtag('hello')).toBe(strongEtag(Buffer.from('hello')));
    expect(strongEtag('hello')).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(strongEtag('hello')).not.toBe(strongEtag('hellp'));
  });

  it('writes IMF-fixdate', () => {
    expect(httpDate('2025-03-01T12:00:00.000Z')).toBe('Sat, 01 Mar 2025 12:00:00 GMT');
  });
});
