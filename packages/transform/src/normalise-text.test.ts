import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseText } from './normalise-text.ts';

describe('normaliseText', () => {
  it('unifies line endings, collapses spaces and tabs, trims lines and keeps one blank line between paragraphs', () => {
    const input =
      '  Title \r\n\r\n\r\n\tFirst  line\t\tof text \rsecond\u00a0\u00a0line\u2028third\n \n \n\n\nNext   para  ';
    expect(normaliseText(input)).toBe('Title\n\nFirst line of text\nsecond line\nthird\n\nNext para');
  });

  it('removes control and invisible format characters but keeps newlines, ZWJ and ZWNJ', () => {
    expect(normaliseText('a\u0000b\u0007c\u001bd\u007fe\u0085f\u009fg')).toBe('abcde\nfg');
    expect(normaliseText('soft\u00adhyphen zero\u200bwidth \ufeffbom word\u2060joiner')).toBe(
      'softhyphen zerowidth bom wordjoiner',
    );
    expect(normaliseText('👩\u200d💻 می\u200cخواهم')).toBe('👩\u200d💻 می\u200cخواهم');
  });

  it('treats vertical tab, form feed and paragraph separator as breaks', () => {
    expect(normaliseText('page one\fpage two\vline\u2029next paragraph')).toBe(
      'page one\npage two\nline\n\nnext paragraph',
    );
  });

  it('composes to NFC and leaves compatibility characters alone (not NFKC)', () => {
    expect(normaliseText('cafe\u0301')).toBe('caf\u00e9');
    expect(normaliseText('x² H₂O ½ ™ ﬁ')).toBe('x² H₂O ½ ™ ﬁ');
  });

  it('replaces lone surrogates so that the text is well-formed', () => {
    expect(normaliseText('a\ud800b')).toBe('a\ufffdb');
  });

  it('returns an empty string for whitespace-only text', () => {
    expect(normaliseText(' \n\t\r\n \u00a0\u3000 ')).toBe('');
  });

  it('is idempotent and leaves no control characters, double spaces, edge spaces or double blank lines', () => {
    const messy = fc.string({
      unit: fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 3 }),
        fc.constantFrom(
          ' ',
          '  ',
          '\t',
          '\n',
          '\r\n',
          '\r',
          '\u00a0',
          '\u2028',
          '\u2029',
          '\u0000',
          '\u00ad',
          'e\u0301',
        ),
      ),
      maxLength: 60,
    });
    fc.assert(
      fc.property(messy, (text) => {
        const once = normaliseText(text);
        expect(normaliseText(once)).toBe(once);
        expect(once).toBe(once.normalize('NFC'));
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/[\p{Cc}--[\n]]/v);
        expect(once).not.toMatch(/ {2}|^ | $|\n{3}/m);
        expect(once.isWellFormed()).toBe(true);
      }),
    );
  });
});
