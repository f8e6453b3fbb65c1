/** One sentence of a text: `text.slice(start, end)`, without surrounding whitespace. */
export interface SentenceSpan {
  readonly start: number;
  readonly end: number;
  /** True for the first sentence of the text and for every sentence that follows a blank line. */
  readonly paragraphStart: boolean;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * Splits text into sentences with Unicode sentence boundaries (UAX #29, via ICU's `Intl.Segmenter`), which know
 * `?`, `!`, `…`, CJK full stops and quotes after a full stop, and end a sentence at every line break, so that
 * headings and list items are sentences of their own. Whitespace between sentences belongs to no span.
 * Expects normalised text (`\n` line endings); the same text always gives the same spans.
 */
export function segmentSentences(text: string): SentenceSpan[] {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  const spans: SentenceSpan[] = [];
  let previousEnd = -1;
  for (const { segment, index } of segmenter.segment(text)) {
    let start = index;
    let end = index + segment.length;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    const paragraphStart = previousEnd < 0 || text.slice(previousEnd, start).includes('\n\n');
    spans.push({ start, end, paragraphStart });
    previousEnd = end;
  }
  return spans;
}

/** Whitespace as normalised text has it: space and line feed (plus the other ASCII blanks, for safety). */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}
