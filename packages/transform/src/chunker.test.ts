import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chunk, type ChunkOptions, chunkText } from './chunker.ts';
import { InvalidOptionsError } from './errors.ts';
import { normaliseText } from './normalise-text.ts';
import { segmentSentences } from './segment-sentences.ts';
import { countTokens } from './tokenizer.ts';

/** A sentence of about 16 tokens that says which paragraph and sentence it is. */
function sentence(paragraph: number, index: number): string {
  return `Paragraph ${paragraph} sentence ${index} describes how the pipeline moves records along.`;
}

function paragraph(number: number, sentences: number): string {
  return Array.from({ length: sentences }, (_, i) => sentence(number, i)).join(' ');
}

function overlapOf(text: string, previous: Chunk, next: Chunk): string {
  return next.start < previous.end ? text.slice(next.start, previous.end) : '';
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('chunkText options', () => {
  it.each([
    ['targetTokens', { targetTokens: 0, overlapTokens: 0 }],
    ['targetTokens', { targetTokens: 3, overlapTokens: 0 }],
    ['targetTokens', { targetTokens: 10.5, overlapTokens: 0 }],
    ['targetTokens', { targetTokens: Number.NaN, overlapTokens: 0 }],
    ['maxTokens', { targetTokens: 100, maxTokens: 99, overlapTokens: 0 }],
    ['maxTokens', { targetTokens: 100, maxTokens: 120.5, overlapTokens: 0 }],
    ['overlapTokens', { targetTokens: 100, overlapTokens: 100 }],
    ['overlapTokens', { targetTokens: 100, overlapTokens: -1 }],
    ['overlapTokens', { targetTokens: 100, overlapTokens: 2.5 }],
  ] satisfies [string, ChunkOptions][])('rejects an invalid %s, naming it', (option, options) => {
    const error = errorOf(() => chunkText('some text', options));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toMatchObject({ option, reason: 'invalid-options', retryable: false });
    expect((error as Error).message).toMatch(new RegExp(`^${option} must be`));
  });

  it('validates options even when the text is empty', () => {
    expect(() => chunkText('', { targetTokens: 10, overlapTokens: 10 })).toThrow(InvalidOptionsError);
  });
});

describe('chunkText', () => {
  it('returns no chunks for empty or whitespace-only text', () => {
    expect(chunkText('', { targetTokens: 100, overlapTokens: 10 })).toEqual([]);
    expect(chunkText(' \n\n\t \r\n ', { targetTokens: 100, overlapTokens: 10 })).toEqual([]);
  });

  it('returns one chunk holding the whole normalised text when it fits', () => {
    const text = '  Hello   world.\r\n\r\n\r\nSecond paragraph.  ';
    const chunks = chunkText(text, { targetTokens: 100, overlapTokens: 10 });
    expect(chunks).toEqual([
      {
        index: 0,
        text: 'Hello world.\n\nSecond paragraph.',
        tokenCount: countTokens('Hello world.\n\nSecond paragraph.'),
        start: 0,
        end: 31,
      },
    ]);
  });

  it('ends chunks at paragraph breaks when the paragraphs fit', () => {
    const text = [paragraph(1, 3), paragraph(2, 3), paragraph(3, 3)].join('\n\n');
    const perParagraph = countTokens(paragraph(1, 3));
    const chunks = chunkText(text, { targetTokens: perParagraph + 20, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([paragraph(1, 3), paragraph(2, 3), paragraph(3, 3)]);
  });

  it('cuts back to a paragraph break rather than splitting the next paragraph, when that keeps it half full', () => {
    // Paragraph 1 fills 60% of the target, paragraph 2 is larger than what is left.
    const text = [paragraph(1, 3), paragraph(2, 6)].join('\n\n');
    const target = Math.ceil(countTokens(paragraph(1, 3)) / 0.6);
    const chunks = chunkText(text, { targetTokens: target, overlapTokens: 0 });
    expect(chunks[0]?.text).toBe(paragraph(1, 3));
    expect(chunks[1]?.text.startsWith(sentence(2, 0))).toBe(true);
  });

  it('ends inside a paragraph only at a sentence end', () => {
    const text = paragraph(1, 20);
    const chunks = chunkText(text, { targetTokens: 60, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^Paragraph 1 sentence \d+ .*along\.$/);
  });

  it('grows a chunk past targetTokens, up to maxTokens, to finish its paragraph', () => {
    const text = [paragraph(1, 5), paragraph(2, 5)].join('\n\n');
    const perParagraph = countTokens(paragraph(1, 5));
    const options = { targetTokens: perParagraph - 10, maxTokens: perParagraph + 5, overlapTokens: 0 };
    const chunks = chunkText(text, options);
    expect(chunks.map((chunk) => chunk.text)).toEqual([paragraph(1, 5), paragraph(2, 5)]);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeGreaterThan(options.targetTokens);
  });

  it('overlaps with whole sentences from the end of the previous chunk when they fit', () => {
    const text = paragraph(1, 12);
    const perSentence = countTokens(sentence(1, 0));
    const chunks = chunkText(text, { targetTokens: perSentence * 4 + 4, overlapTokens: perSentence * 2 + 2 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const [k, chunk] of chunks.entries()) {
      const previous = chunks[k - 1];
      if (previous === undefined) continue;
      const overlap = overlapOf(text, previous, chunk);
      // Two whole sentences: the longest run of sentences that fits the overlap budget.
      expect(overlap).toMatch(/^Paragraph 1 sentence \d+ .*along\. Paragraph 1 sentence \d+ .*along\.$/);
      expect(overlap.match(/Paragraph/g)).toHaveLength(2);
      expect(previous.text.endsWith(overlap)).toBe(true);
      expect(chunk.text.startsWith(overlap)).toBe(true);
    }
  });

  it('overlaps by about overlapTokens, starting at a word, when no sentence starts within the window', () => {
    // One long sentence: every overlap falls inside it.
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const text = `${words}.`;
    const chunks = chunkText(text, { targetTokens: 50, overlapTokens: 12 });
    expect(chunks.length).toBeGreaterThan(10);
    for (const [k, chunk] of chunks.entries()) {
      const previous = chunks[k - 1];
      if (previous === undefined) continue;
      const overlap = overlapOf(text, previous, chunk);
      expect(overlap).toMatch(/^word\d+/);
      expect(countTokens(overlap)).toBeLessThanOrEqual(12);
      // One more word would not fit.
      const before = text.slice(0, previous.end - overlap.length).trimEnd();
      const widened = text.slice(before.lastIndexOf(' ') + 1, previous.end);
      expect(countTokens(widened)).toBeGreaterThan(12);
    }
  });

  it('cuts a very long sentence at spaces and a very long word at token boundaries, within the bound', () => {
    const text = `${'x'.repeat(3_000)} and then ${'word '.repeat(500)}end.`;
    const chunks = chunkText(text, { targetTokens: 64, overlapTokens: 8 });
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(64);
    const wordChunks = chunks.filter((chunk) => chunk.text.includes('word'));
    expect(wordChunks.length).toBeGreaterThan(5);
    for (const chunk of wordChunks.slice(1)) expect(chunk.text).toMatch(/^word( word)*( end\.)?$/);
  });

  it('never cuts inside a character, even in a long run of emoji', () => {
    const text = '😀🎉👍🏽'.repeat(300);
    const chunks = chunkText(text, { targetTokens: 16, overlapTokens: 4 });
    for (const chunk of chunks) {
      expect(chunk.text.isWellFormed()).toBe(true);
      expect(chunk.tokenCount).toBeLessThanOrEqual(16);
    }
  });

  it('is deterministic', () => {
    const text = [paragraph(1, 7), 'A long one: '.concat('z'.repeat(500)), paragraph(2, 9)].join('\n\n');
    const options = { targetTokens: 40, overlapTokens: 10 };
    expect(chunkText(text, options)).toEqual(chunkText(text, options));
  });
});

// Property tests over generated documents: words, sentences, paragraphs, unicode and long runs without spaces.
const plainWords = [
  'the',
  'pipeline',
  'moves',
  'records',
  'from',
  'queues',
  'into',
  'storage',
  'and',
  'a',
  'tokenizer',
  'counts',
  'every',
  'chunk',
  'naïve',
  'café',
  'Straße',
  '東京',
  'данные',
  'مرحبا',
  '😀',
  '3.14',
  '42',
  "don't",
  'e.g.',
  'U.S.',
];
const word = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...plainWords) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'b', 'x', '0', '7', '-', 'é', '字', '😀'),
      minLength: 30,
      maxLength: 400,
    }),
  },
);
const sentenceText = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 25 }), fc.constantFrom('.', '!', '?', '…', ''))
  .map(([words, end]) => {
    const joined = words.join(' ');
    return joined.charAt(0).toUpperCase() + joined.slice(1) + end;
  });
const paragraphText = fc
  .tuple(fc.array(sentenceText, { minLength: 1, maxLength: 8 }), fc.constantFrom(' ', ' ', '\n'))
  .map(([sentences, separator]) => sentences.join(separator));
const documentText = fc
  .tuple(
    fc.array(paragraphText, { minLength: 0, maxLength: 6 }),
    fc.constantFrom('\n\n', '\n\n\n', '\r\n \r\n'),
  )
  .map(([paragraphs, separator]) => paragraphs.join(separator));
const chunkOptions = fc
  .tuple(
    fc.integer({ min: 4, max: 120 }),
    fc.nat({ max: 1_000 }),
    fc.option(fc.nat({ max: 60 }), { nil: undefined }),
  )
  .map(([targetTokens, overlapPermille, extra]): ChunkOptions => {
    const overlapTokens = Math.floor(((targetTokens - 1) * overlapPermille) / 1_000);
    return extra === undefined
      ? { targetTokens, overlapTokens }
      : { targetTokens, overlapTokens, maxTokens: targetTokens + extra };
  });

const RUNS = Number(process.env.CHUNKER_RUNS ?? 80);

describe('chunkText properties', () => {
  it('keeps every chunk within the bound, with its exact token count', () => {
    fc.assert(
      fc.property(documentText, chunkOptions, (text, options) => {
        const bound = options.maxTokens ?? options.targetTokens;
        chunkText(text, options).forEach((chunk, index) => {
          expect(chunk.index).toBe(index);
          expect(chunk.tokenCount).toBe(countTokens(chunk.text));
          expect(chunk.tokenCount).toBeGreaterThan(0);
          expect(chunk.tokenCount).toBeLessThanOrEqual(bound);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('covers the whole normalised text, in order, and the parts outside overlaps rebuild it', () => {
    fc.assert(
      fc.property(documentText, chunkOptions, (text, options) => {
        const normalised = normaliseText(text);
        const chunks = chunkText(text, options);
        if (normalised === '') {
          expect(chunks).toEqual([]);
          return;
        }
        expect(chunks[0]?.start).toBe(0);
        expect(chunks.at(-1)?.end).toBe(normalised.length);
        let rebuilt = '';
        chunks.forEach((chunk, k) => {
          expect(chunk.text).toBe(normalised.slice(chunk.start, chunk.end));
          expect(chunk.text).toBe(chunk.text.trim());
          const previous = chunks[k - 1];
          if (previous === undefined) {
            rebuilt = chunk.text;
            return;
          }
          expect(chunk.start).toBeGreaterThan(previous.start);
          expect(chunk.end).toBeGreaterThan(previous.end);
          if (chunk.start >= previous.end) {
            const gap = normalised.slice(previous.end, chunk.start);
            expect(gap.trim()).toBe('');
            rebuilt += gap + chunk.text;
          } else {
            rebuilt += chunk.text.slice(previous.end - chunk.start);
          }
        });
        expect(rebuilt).toBe(normalised);
      }),
      { numRuns: RUNS },
    );
  });

  it('overlaps consecutive chunks by a shared suffix/prefix of at most overlapTokens tokens', () => {
    fc.assert(
      fc.property(documentText, chunkOptions, (text, options) => {
        const normalised = normaliseText(text);
        const chunks = chunkText(text, options);
        for (const [k, chunk] of chunks.entries()) {
          const previous = chunks[k - 1];
          if (previous === undefined) continue;
          const overlap = overlapOf(normalised, previous, chunk);
          expect(previous.text.endsWith(overlap)).toBe(true);
          expect(chunk.text.startsWith(overlap)).toBe(true);
          expect(overlap.length).toBeLessThan(previous.text.length);
          expect(countTokens(overlap)).toBeLessThanOrEqual(options.overlapTokens);
          if (options.overlapTokens === 0) expect(overlap).toBe('');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('starts an overlap at a sentence start whenever the overlap contains one', () => {
    fc.assert(
      fc.property(documentText, chunkOptions, (text, options) => {
        const normalised = normaliseText(text);
        const sentenceStarts = new Set(segmentSentences(normalised).map((span) => span.start));
        const chunks = chunkText(text, options);
        for (const [k, chunk] of chunks.entries()) {
          const previous = chunks[k - 1];
          if (previous === undefined || chunk.start >= previous.end) continue;
          const startsInside = [...sentenceStarts].some(
            (start) => start > chunk.start && start < previous.end,
          );
          if (startsInside) expect(sentenceStarts.has(chunk.start)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never leaves an overlap empty when overlapTokens >= 4 and sentences leave room for it', () => {
    // Documents of short sentences only: every sentence is far below maxTokens - overlapTokens.
    const shortSentence = fc
      .array(fc.constantFrom(...plainWords), { minLength: 1, maxLength: 8 })
      .map((words) => `${words.join(' ')}.`);
    const shortDocument = fc
      .array(fc.array(shortSentence, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 })
      .map((paragraphs) => paragraphs.map((sentences) => sentences.join(' ')).join('\n\n'));
    const roomyOptions = fc
      .tuple(fc.integer({ min: 40, max: 120 }), fc.integer({ min: 4, max: 20 }))
      .map(([targetTokens, overlapTokens]): ChunkOptions => ({ targetTokens, overlapTokens }));
    fc.assert(
      fc.property(shortDocument, roomyOptions, (text, options) => {
        const normalised = normaliseText(text);
        const chunks = chunkText(text, options);
        for (const [k, chunk] of chunks.entries()) {
          const previous = chunks[k - 1];
          if (previous !== undefined) expect(overlapOf(normalised, previous, chunk)).not.toBe('');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same chunks for the same input', () => {
    fc.assert(
      fc.property(documentText, chunkOptions, (text, options) => {
        expect(chunkText(text, options)).toEqual(chunkText(text, options));
      }),
      { numRuns: 30 },
    );
  });
});
