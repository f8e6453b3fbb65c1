import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { countTokens, getTokenizer } from './tokenizer.ts';

// js-tiktoken's own encoder is the reference: ours must produce the very same tokens.
let reference: Tiktoken;
beforeAll(() => {
  reference = new Tiktoken(cl100k);
});
const referenceEncode = (text: string): number[] => reference.encode(text, [], []);

const texts = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(' ', '  ', '\n', '\n\n', '\t', "'s", "'LL", '<|endoftext|>', '12345'),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('the', ' pipeline', ' Tokenization', 'naïve', '東京都', '😀👍🏽', 'ß'),
    },
  ),
  maxLength: 40,
});

describe('tokenizer', () => {
  it('is the same shared cl100k_base instance every time', () => {
    expect(getTokenizer()).toBe(getTokenizer());
    expect(getTokenizer().encoding).toBe('cl100k_base');
  });

  it('produces the same tokens as js-tiktoken on known text', () => {
    const samples = [
      'hello world',
      'The quick brown fox jumps over the lazy dog.',
      "it's they'll WE'VE 1234567 3.14159",
      'naïve café, 日本語のテキスト, данные, 😀👍🏽 emoji',
      '   leading spaces\n\n\ntrailing   \t',
      'สวัสดีครับผมชื่อสมชาย',
      'abcdefghij'.repeat(100),
    ];
    for (const text of samples) expect(getTokenizer().encode(text)).toEqual(referenceEncode(text));
  });

  it('produces the same tokens and counts as js-tiktoken on generated text', () => {
    const tokenizer = getTokenizer();
    fc.assert(
      fc.property(texts, (text) => {
        const expected = referenceEncode(text);
        expect(tokenizer.encode(text)).toEqual(expected);
        expect(tokenizer.count(text)).toBe(expected.length);
        expect(tokenizer.decode(expected)).toBe(reference.decode(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('produces the same tokens as js-tiktoken for long runs without spaces', () => {
    const longRun = fc.string({
      unit: fc.constantFrom('a', 'b', 'q', 'x', 'é', 'ab', 'ing'),
      minLength: 100,
      maxLength: 400,
    });
    fc.assert(
      fc.property(longRun, (text) => {
        expect(getTokenizer().encode(text)).toEqual(referenceEncode(text));
      }),
      { numRuns: 30 },
    );
  });

  it('round-trips well-formed text through encode and decode', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const wellFormed = text.toWellFormed();
        expect(getTokenizer().decode(getTokenizer().encode(wellFormed))).toBe(wellFormed);
      }),
    );
  });

  it('encodes special-token text as ordinary text instead of throwing or emitting control tokens', () => {
    const tokens = getTokenizer().encode('before <|endoftext|> after');
    expect(tokens).not.toContain(100257);
    expect(getTokenizer().decode(tokens)).toBe('before <|endoftext|> after');
  });

  it('refuses to decode a token outside the vocabulary', () => {
    expect(() => getTokenizer().decode([1, 999_999])).toThrow(RangeError);
  });

  it('gives each token the offset of the first character boundary at or after its first byte', () => {
    const text = 'héllo 😀 wörld';
    const { tokens, offsets } = getTokenizer().encodeWithOffsets(text);
    expect(tokens).toEqual(getTokenizer().encode(text));
    expect(offsets).toHaveLength(tokens.length);
    expect(offsets[0]).toBe(0);
    for (const [i, offset] of offsets.entries()) {
      if (i > 0) expect(offset).toBeGreaterThanOrEqual(offsets[i - 1] ?? 0);
      // Never inside a surrogate pair.
      expect(text.charCodeAt(offset) >= 0xdc00 && text.charCodeAt(offset) <= 0xdfff).toBe(false);
    }
    // Tokens that start on a boundary decode to exactly the text between offsets.
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), (ascii) => {
        const encoded = getTokenizer().encodeWithOffsets(ascii);
        encoded.tokens.forEach((token, i) => {
          const end = encoded.offsets[i + 1] ?? ascii.length;
          expect(ascii.slice(encoded.offsets[i], end)).toBe(getTokenizer().decode([token]));
        });
      }),
    );
  });

  it('counts a 100,000-character run without spaces in well under two seconds (js-tiktoken: minutes)', () => {
    const run = 'tokenization'.repeat(8_400).slice(0, 100_000);
    const started = performance.now();
    const count = countTokens(run);
    const elapsedMs = performance.now() - started;
    expect(count).toBeGreaterThan(10_000);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('counts ordinary prose at more than 500,000 tokens per second', () => {
    const words = 'the pipeline ingests records from upstream services and writes clean documents'.split(' ');
    const prose = Array.from({ length: 100_000 }, (_, i) => words[(i * 7) % words.length]).join(' ');
    countTokens(prose.slice(0, 1_000)); // warm the shared instance
    const started = performance.now();
    const count = countTokens(prose);
    const seconds = (performance.now() - started) / 1_000;
    expect(count / seconds).toBeGreaterThan(500_000);
  });
});
