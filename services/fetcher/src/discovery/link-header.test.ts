import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextFromLinkHeader } from './link-header.ts';

const BASE = 'https://api.example/items?page=2';

describe('nextFromLinkHeader', () => {
  it.each([
    ['a single link', '<https://api.example/items?page=3>; rel="next"', 'https://api.example/items?page=3'],
    [
      'the next among several links (GitHub style)',
      '<https://api.example/items?page=1>; rel="prev", <https://api.example/items?page=3>; rel="next", <https://api.example/items?page=9>; rel="last"',
      'https://api.example/items?page=3',
    ],
    ['an unquoted rel', '</items?page=3>; rel=next', 'https://api.example/items?page=3'],
    ['a rel with several values', '</items?page=3>; rel="last next"', 'https://api.example/items?page=3'],
    ['a rel in another case', '</items?page=3>; REL="Next"', 'https://api.example/items?page=3'],
    ['a relative target', '<?page=3>; rel="next"', 'https://api.example/items?page=3'],
    [
      'a comma inside the target and inside a quoted title',
      '</items?ids=1,2>; title="a, b"; rel="prev", </items?ids=3,4>; title="c, \\"d\\""; rel="next"',
      'https://api.example/items?ids=3,4',
    ],
    ['space around the separators', '  </p3> ;  rel = "next"  ,</p1>;rel=prev', 'https://api.example/p3'],
    ['only the first rel parameter', '</p3>; rel="next"; rel="prev"', 'https://api.example/p3'],
    ['a link after a malformed one', 'garbage; rel=next, </p3>; rel="next"', 'https://api.example/p3'],
    ['an anchor naming this resource', '</p3>; rel="next"; anchor="/items?page=2"', 'https://api.example/p3'],
  ])('reads %s', (_what, header, expected) => {
    expect(nextFromLinkHeader(header, BASE)).toBe(expected);
  });

  it('reads several header field lines', () => {
    expect(nextFromLinkHeader(['</p1>; rel="prev"', '</p3>; rel="next"', '</p9>; rel="last"'], BASE)).toBe(
      'https://api.example/p3',
    );
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['no next link', '</p1>; rel="prev", </p9>; rel="last"'],
    ['rel next only as part of another word', '</p3>; rel="nextpage"'],
    ['a link without rel', '</p3>'],
    ['a next link that is about another resource', '</p3>; rel="next"; anchor="/other"'],
    ['a next link that is not http(s)', '<mailto:a@b.example>; rel="next"'],
    ['no field lines', []],
  ])('finds nothing in %s', (_what, header) => {
    expect(nextFromLinkHeader(header, BASE)).toBeUndefined();
  });
});

describe('nextFromLinkHeader, for any header of well-formed links', () => {
  /** A quoted-string value with the characters that trip a naive split: commas, semicolons, quotes, escapes. */
  const quoted = fc
    .string({ unit: fc.constantFrom('a', ' ', ',', ';', '"', '\\', '=', '<', '>'), maxLength: 12 })
    .map((text) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  const otherLink = fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom('prev', 'last', 'first', 'self'), quoted)
    .map(([page, rel, title]) => `</items?page=${page}&ids=1,2>; title=${title}; rel="${rel}"`);

  it('finds the one next link wherever it sits among the others', () => {
    fc.assert(
      fc.property(
        fc.array(otherLink, { maxLength: 4 }),
        fc.array(otherLink, { maxLength: 4 }),
        quoted,
        (before, after, title) => {
          const header = [...before, `</items?page=next>; title=${title}; rel="next"`, ...after].join(', ');
          expect(nextFromLinkHeader(header, BASE)).toBe('https://api.example/items?page=next');
        },
      ),
    );
  });
});
