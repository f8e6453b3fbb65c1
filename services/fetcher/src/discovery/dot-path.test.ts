import { describe, expect, it } from 'vitest';
import { readDotPath } from './dot-path.ts';

const doc = { data: { items: [{ url: 'a' }, { url: 'b' }], total: 0, next: null }, 'odd.key': 1 };

describe('readDotPath', () => {
  it.each([
    ['a nested object', 'data.total', 0],
    ['an array element by index', 'data.items.1.url', 'b'],
    ['a null value', 'data.next', null],
    ['the value itself for the empty path', '', doc],
  ])('reads %s', (_what, path, expected) => {
    expect(readDotPath(doc, path)).toBe(expected);
  });

  it.each([
    ['a missing key', 'data.missing'],
    ['a key under a number', 'data.total.x'],
    ['a key under null', 'data.next.href'],
    ['an inherited property', 'data.constructor'],
    ['__proto__', '__proto__'],
    ['a key that itself holds a dot', 'odd.key'],
  ])('finds nothing at %s', (_what, path) => {
    expect(readDotPath(doc, path)).toBeUndefined();
  });
});
