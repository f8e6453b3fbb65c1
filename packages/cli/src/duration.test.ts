import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT } from './cli-errors.ts';
import { parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    [' 1d ', 86_400_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDurationMs(text, '--older-than')).toBe(ms);
  });

  it('reads any whole number of any unit as that many of the unit', () => {
    const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('s', 'm', 'h', 'd'), (n, unit) => {
        expect(parseDurationMs(`${n}${unit}`, '--older-than')).toBe(n * units[unit as keyof typeof units]);
      }),
    );
  });

  it.each(['', '7', 'd', '0d', '-1h', '1.5h', '7 d', '7days', '1w', 'abc', '2h30m'])(
    'refuses %j as a usage error naming the flag and the value',
    (text) => {
      expect(() => parseDurationMs(text, '--older-than')).toThrow(
        expect.objectContaining({
          exitCode: EXIT.usage,
          message: expect.stringMatching(
            new RegExp(`^--older-than must be .*, got "${text.replace('.', '\\.')}"$`),
          ),
        }),
      );
    },
  );
});
