import { describe, expect, it } from 'vitest';
import { segmentSentences } from './segment-sentences.ts';

function sentencesOf(text: string): [string, boolean][] {
  return segmentSentences(text).map((span) => [text.slice(span.start, span.end), span.paragraphStart]);
}

describe('segmentSentences', () => {
  it('splits at sentence ends and line breaks, marking the first sentence of each paragraph', () => {
    expect(
      sentencesOf('First one. Second one? Third!\nA heading line\n\nNew paragraph. "Quoted." Then more'),
    ).toEqual([
      ['First one.', true],
      ['Second one?', false],
      ['Third!', false],
      ['A heading line', false],
      ['New paragraph.', true],
      ['"Quoted."', false],
      ['Then more', false],
    ]);
  });

  it('knows decimal numbers and CJK full stops', () => {
    expect(sentencesOf('Pi is 3.14 or so. 日本語です。次の文です。')).toEqual([
      ['Pi is 3.14 or so.', true],
      ['日本語です。', false],
      ['次の文です。', false],
    ]);
  });

  it('finds nothing in empty or blank text', () => {
    expect(segmentSentences('')).toEqual([]);
    expect(segmentSentences(' \n\n ')).toEqual([]);
  });
});
