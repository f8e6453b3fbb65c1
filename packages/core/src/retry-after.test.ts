import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');

describe('parseRetryAfter', () => {
  it.each([
    ['delta-seconds', '120', 120_000],
    ['zero seconds', '0', 0],
    ['seconds with surrounding space', ' 7 ', 7_000],
    ['IMF-fixdate in the future', 'Sun, 01 Jun 2025 12:00:30 GMT', 30_000],
    ['IMF-fixdate in the past', 'Sun, 01 Jun 2025 11:59:00 GMT', 0],
    ['IMF-fixdate now', 'Sun, 01 Jun 2025 12:00:00 GMT', 0],
    ['RFC 850 date', 'Sunday, 01-Jun-25 12:01:00 GMT', 60_000],
    ['asctime date', 'Sun Jun  1 12:00:05 2025', 5_000],
    ['first of several values', ['3', '9'], 3_000],
  ] as const)('reads %s', (_name, header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['negative seconds', '-5'],
    ['fractional seconds', '1.5'],
    ['garbage', 'soon'],
    ['an unreadable date', 'Someday, 99 Foo 2025 99:99:99 GMT'],
    ['no values', []],
  ] as const)('ignores %s', (_name, header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});
