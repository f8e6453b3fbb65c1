import { InvalidOptionsError } from './errors.ts';
import { normaliseText } from './normalise-text.ts';
import { segmentSentences } from './segment-sentences.ts';
import { getTokenizer, type Tokenizer } from './tokenizer.ts';

export interface ChunkOptions {
  /** The size chunks are packed to, in cl100k_base tokens. An integer ≥ 4 (one character can cost 4 tokens). */
  readonly targetTokens: number;
  /**
   * The hard bound on a chunk's tokens; at least `targetTokens`, which is the default. A chunk grows past
   * `targetTokens` (never past `maxTokens`) only to end at the end of a paragraph or sentence instead of inside it.
   */
  readonly maxTokens?: number;
  /** How many tokens of the end of a chunk the next chunk repeats at its start: an integer 0 ≤ n < targetTokens. */
  readonly overlapTokens: number;
}

export interface Chunk {
  /** Position in the document, from 0. */
  readonly index: number;
  /** `normaliseText(input).slice(start, end)`: trimmed, never empty. */
  readonly text: string;
  /** The cl100k_base token count of `text`, exactly. */
  readonly tokenCount: number;
  /** UTF-16 offset of the chunk in `normaliseText(input)` (the normalised text the chunks were cut from). */
  readonly start: number;
  /** UTF-16 offset just past the chunk's last character in the normalised text. */
  readonly end: number;
}

/**
 * Splits text into token-bounded, overlapping chunks for embedding. The text is normalised first
 * (`normaliseText`); chunks are slices of the normalised text, so their offsets point into it.
 *
 * How chunks are cut: the text is divided into sentences (`segmentSentences`); a sentence longer than
 * `maxTokens - overlapTokens` tokens is divided at spaces, and a word longer than that at token boundaries
 * (never inside a character). Chunks are packed greedily from these pieces up to `targetTokens`. A chunk that would
 * end inside a paragraph is extended to the paragraph's end if that stays within `maxTokens`, or else cut back to
 * the last paragraph break in it if that keeps at least half of the room it had; failing both, the same is tried
 * with sentence ends, then with spaces.
 *
 * Guarantees, for every input and valid options (property tests check 1-4 and 6 on generated documents, 5 on
 * documents of short sentences, and example tests the way overlaps are chosen):
 * 1. Bound: `0 < tokenCount <= maxTokens` (`targetTokens` when `maxTokens` is not given), and `tokenCount` is the
 *    exact cl100k_base count of `text`.
 * 2. Coverage and order: `text === normalised.slice(start, end)`; the first chunk starts at 0, the last ends at
 *    `normalised.length`; `start` and `end` strictly increase from chunk to chunk; between consecutive chunks that do
 *    not overlap there is only whitespace. So every character of the text is in some chunk, in order, and the
 *    chunks with their overlaps removed rebuild the normalised text.
 * 3. Overlap: the overlap of chunks k and k+1 is `normalised.slice(chunks[k+1].start, chunks[k].end)`, a suffix of
 *    chunk k and a prefix of chunk k+1 (none when `start >= end`). Its own token count is at most `overlapTokens`
 *    (with 0, chunks share nothing), and it never covers the whole of chunk k.
 * 4. Alignment: an overlap either starts at a sentence start or contains no sentence start. How it is chosen: take
 *    the point where the last `overlapTokens` tokens of chunk k begin; move forward to the next word start (stay
 *    inside the word when the last word alone is longer), and on, word by word, until the suffix fits
 *    `overlapTokens`; then, if a sentence of chunk k starts at or after that point, move forward to the first such
 *    sentence start. So the overlap is about `overlapTokens` tokens of whole words, or whole sentences (and then
 *    shorter) when a sentence starts within that window.
 * 5. Non-empty overlap: with `overlapTokens >= 4` the overlap is non-empty, unless chunk k is one character, or the
 *    overlap plus chunk k+1's first sentence (or window) would exceed `maxTokens`, which takes a sentence within a
 *    few tokens of `maxTokens - overlapTokens`; only then is the overlap chosen again with a smaller budget.
 * 6. Determinism: the same text and options always give the same chunks.
 */
export function chunkText(text: string, options: ChunkOptions): Chunk[] {
  const resolved = resolveChunkOptions(options);
  const normalised = normaliseText(text);
  if (normalised === '') return [];
  const tokenizer = getTokenizer();
  const units = divideIntoUnits(normalised, resolved.maxTokens - resolved.overlapTokens, tokenizer);
  const context: PackingContext = {
    text: normalised,
    units,
    sentenceStarts: units.filter((unit) => unit.level >= SENTENCE).map((unit) => unit.start),
    options: resolved,
    tokenizer,
  };
  const chunks: Chunk[] = [];
  let first = 0;
  while (first < units.length) {
    const { chunk, nextUnit } = packChunk(context, first, chunks.at(-1));
    chunks.push(chunk);
    first = nextUnit;
  }
  return chunks;
}

/** Validates chunk options and applies the default `maxTokens`; the error names the option. */
function resolveChunkOptions(options: ChunkOptions): Required<ChunkOptions> {
  const { targetTokens, overlapTokens } = options;
  if (!Number.isSafeInteger(targetTokens) || targetTokens < MIN_TARGET_TOKENS) {
    throw new InvalidOptionsError(
      'targetTokens',
      `targetTokens must be an integer >= ${MIN_TARGET_TOKENS} (one character can cost 4 tokens), got ${targetTokens}`,
    );
  }
  const maxTokens = options.maxTokens ?? targetTokens;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < targetTokens) {
    throw new InvalidOptionsError(
      'maxTokens',
      `maxTokens must be an integer >= targetTokens (${targetTokens}), got ${maxTokens}`,
    );
  }
  if (!Number.isSafeInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= targetTokens) {
    throw new InvalidOptionsError(
      'overlapTokens',
      `overlapTokens must be an integer 0..${targetTokens - 1} (below targetTokens), got ${overlapTokens}`,
    );
  }
  return { targetTokens, maxTokens, overlapTokens };
}

const MIN_TARGET_TOKENS = 4;

// The kind of boundary before a unit, strongest first.
const PARAGRAPH = 3;
const SENTENCE = 2;
const WORD = 1;
const INSIDE_WORD = 0;
type Level = typeof PARAGRAPH | typeof SENTENCE | typeof WORD | typeof INSIDE_WORD;

/** The smallest piece a chunk boundary can fall between: a sentence, or a window of a long sentence or word. */
interface Unit {
  readonly start: number;
  readonly end: number;
  /** Token count of `text.slice(start, end)` on its own. */
  readonly tokens: number;
  readonly level: Level;
}

interface PackingContext {
  readonly text: string;
  readonly units: readonly Unit[];
  /** Sorted offsets of every sentence start (paragraph starts included). */
  readonly sentenceStarts: readonly number[];
  readonly options: Required<ChunkOptions>;
  readonly tokenizer: Tokenizer;
}

function divideIntoUnits(text: string, budget: number, tokenizer: Tokenizer): Unit[] {
  const units: Unit[] = [];
  for (const sentence of segmentSentences(text)) {
    const level = sentence.paragraphStart ? PARAGRAPH : SENTENCE;
    const tokens = tokenizer.count(text.slice(sentence.start, sentence.end));
    if (tokens <= budget) units.push({ start: sentence.start, end: sentence.end, tokens, level });
    else divideSentence(text, sentence.start, sentence.end, level, budget, tokenizer, units);
  }
  return units;
}

/** Windows of whole words, each within `budget` tokens; a word over the budget is divided by `divideWord`. */
function divideSentence(
  text: string,
  start: number,
  end: number,
  sentenceLevel: Level,
  budget: number,
  tokenizer: Tokenizer,
  units: Unit[],
): void {
  const words: { start: number; end: number; tokens: number }[] = [];
  for (const match of text.slice(start, end).matchAll(/\S+/g)) {
    const wordStart = start + match.index;
    const wordEnd = wordStart + match[0].length;
    words.push({ start: wordStart, end: wordEnd, tokens: tokenizer.count(match[0]) });
  }
  let level = sentenceLevel;
  for (let i = 0; i < words.length; ) {
    const word = at(words, i);
    if (word.tokens > budget) {
      divideWord(text, word.start, word.end, level, budget, tokenizer, units);
      level = WORD;
      i++;
      continue;
    }
    let last = i;
    let estimate = word.tokens;
    while (last + 1 < words.length) {
      const following = at(words, last + 1).tokens;
      if (following > budget || estimate + following > budget) break;
      last++;
      estimate += following;
    }
    let tokens = tokenizer.count(text.slice(word.start, at(words, last).end));
    while (tokens > budget && last > i) {
      last--;
      tokens = tokenizer.count(text.slice(word.start, at(words, last).end));
    }
    units.push({ start: word.start, end: at(words, last).end, tokens, level });
    level = WORD;
    i = last + 1;
  }
}

/**
 * Windows of a word (a run without spaces) at token boundaries, each within `budget` tokens, never cutting a
 * character: one character is the smallest window, even where it costs more than `budget` (at most 4 tokens).
 */
function divideWord(
  text: string,
  start: number,
  end: number,
  wordLevel: Level,
  budget: number,
  tokenizer: Tokenizer,
  units: Unit[],
): void {
  const word = text.slice(start, end);
  const { offsets } = tokenizer.encodeWithOffsets(word);
  let level = wordLevel;
  let from = 0;
  let firstToken = 0;
  while (from < word.length) {
    while (firstToken < offsets.length && at(offsets, firstToken) < from) firstToken++;
    const oneCharacter = from + codePointLength(word, from);
    let endToken = Math.min(firstToken + budget, offsets.length);
    let to = endToken >= offsets.length ? word.length : at(offsets, endToken);
    let tokens = tokenizer.count(word.slice(from, Math.max(to, oneCharacter)));
    while (tokens > budget && to > oneCharacter) {
      endToken--;
      to = at(offsets, endToken);
      tokens = tokenizer.count(word.slice(from, Math.max(to, oneCharacter)));
    }
    to = Math.max(to, oneCharacter);
    units.push({ start: start + from, end: start + to, tokens, level });
    level = INSIDE_WORD;
    from = to;
  }
}

function packChunk(
  context: PackingContext,
  first: number,
  previous: Chunk | undefined,
): { chunk: Chunk; nextUnit: number } {
  const { text, units, tokenizer, options } = context;
  const firstUnit = at(units, first);
  let overlapBudget = previous === undefined ? 0 : options.overlapTokens;
  for (;;) {
    const overlapStart =
      previous !== undefined && overlapBudget > 0
        ? chooseOverlapStart(context, previous, overlapBudget)
        : undefined;
    const start = overlapStart ?? firstUnit.start;
    const overlapCount =
      previous === undefined || overlapStart === undefined
        ? 0
        : tokenizer.count(text.slice(start, previous.end));
    // Estimated chunk size after each unit; the real count is taken once the end is chosen.
    const estimates = [
      overlapCount + (overlapStart === undefined ? firstUnit.tokens : costInChunk(firstUnit)),
    ];
    let last = first;
    let estimate = at(estimates, 0);
    while (last + 1 < units.length && estimate + costInChunk(at(units, last + 1)) <= options.targetTokens) {
      last++;
      estimate += costInChunk(at(units, last));
      estimates.push(estimate);
    }
    last = preferBoundary(context, first, last, estimates, overlapCount);
    let tokenCount = tokenizer.count(text.slice(start, at(units, last).end));
    while (tokenCount > options.maxTokens && last > first) {
      last--;
      tokenCount = tokenizer.count(text.slice(start, at(units, last).end));
    }
    if (tokenCount <= options.maxTokens) {
      const end = at(units, last).end;
      const chunk = { index: previous === undefined ? 0 : previous.index + 1, text: text.slice(start, end) };
      return { chunk: { ...chunk, tokenCount, start, end }, nextUnit: last + 1 };
    }
    // Units are cut to fit `maxTokens` on their own, so only an overlap can push the first one over.
    if (overlapStart === undefined) throw new Error(`a unit of ${tokenCount} tokens exceeds maxTokens`);
    // The overlap leaves too little room for the first unit: shorten it by the excess and pack again.
    overlapBudget = Math.min(overlapBudget - 1, overlapCount - (tokenCount - options.maxTokens));
  }
}

/** A unit's estimated cost after other text: a paragraph break adds its `\n\n`. */
function costInChunk(unit: Unit): number {
  return unit.level === PARAGRAPH ? unit.tokens + 1 : unit.tokens;
}

/**
 * Moves the chunk's last unit to the strongest boundary available: for each boundary kind from paragraph to word,
 * if the chunk does not already end at one, extend it to the next one within `maxTokens`, or cut it back to the last
 * one inside it that keeps at least half of the room the chunk had for new text.
 */
function preferBoundary(
  context: PackingContext,
  first: number,
  last: number,
  estimates: readonly number[],
  overlapCount: number,
): number {
  const { units, options } = context;
  if (last + 1 >= units.length) return last;
  const halfRoom = (options.targetTokens - overlapCount) / 2;
  for (const level of [PARAGRAPH, SENTENCE, WORD] as const) {
    if (at(units, last + 1).level >= level) return last;
    let extended = last;
    let estimate = at(estimates, last - first);
    while (extended + 1 < units.length && at(units, extended + 1).level < level) {
      const cost = costInChunk(at(units, extended + 1));
      if (estimate + cost > options.maxTokens) break;
      extended++;
      estimate += cost;
    }
    if (extended + 1 >= units.length || at(units, extended + 1).level >= level) return extended;
    for (let i = last; i > first; i--) {
      if (at(units, i).level >= level && at(estimates, i - 1 - first) - overlapCount >= halfRoom)
        return i - 1;
    }
  }
  return last;
}

/**
 * Where the next chunk's overlap with `previous` starts (an offset in the text), or undefined for no overlap.
 * See guarantees 3 and 4 of `chunkText`.
 */
function chooseOverlapStart(context: PackingContext, previous: Chunk, budget: number): number | undefined {
  const { tokenizer, sentenceStarts } = context;
  const chunk = previous.text;
  const fits = (offset: number): boolean => tokenizer.count(chunk.slice(offset)) <= budget;
  // The first candidate at or after `from` whose suffix fits: a word start, or inside the last word when no word
  // starts there, one character at a time. Offsets are relative to the chunk; 0 is never a candidate.
  const firstFitting = (from: number): number | undefined => {
    let offset = from > 0 ? nextWordStart(chunk, from) : nextWordStart(chunk, 1);
    if (offset === undefined) offset = from > 0 ? from : codePointLength(chunk, 0);
    while (offset < chunk.length && !fits(offset)) {
      offset = nextWordStart(chunk, offset + 1) ?? offset + codePointLength(chunk, offset);
    }
    return offset < chunk.length ? offset : undefined;
  };

  const wordAligned = firstFitting(overlapWindowStart(chunk, budget, tokenizer));
  if (wordAligned === undefined) return undefined;
  let lastSentenceStart: number | undefined;
  for (
    let i = firstIndexAtLeast(sentenceStarts, previous.start + wordAligned);
    i < sentenceStarts.length;
    i++
  ) {
    const sentenceStart = at(sentenceStarts, i) - previous.start;
    if (sentenceStart >= chunk.length) break;
    if (fits(sentenceStart)) return previous.start + sentenceStart;
    lastSentenceStart = sentenceStart;
  }
  if (lastSentenceStart === undefined) return previous.start + wordAligned;
  // Sentences start in the window but none fits (rare: a word costs more without its leading space). Overlap only
  // inside the last sentence, so that the overlap still contains no sentence start.
  const inLastSentence = firstFitting(lastSentenceStart + codePointLength(chunk, lastSentenceStart));
  return inLastSentence === undefined ? undefined : previous.start + inLastSentence;
}

/**
 * Where the last `budget` tokens of `chunk` begin (0 if it has no more). Usually only a tail of the chunk is
 * tokenised, cut at a word start about twice as far back as `budget` tokens reach; the point found is the same as
 * in the whole chunk's tokens, since pre-tokenisation never looks back past a word start.
 */
function overlapWindowStart(chunk: string, budget: number, tokenizer: Tokenizer): number {
  const tailFrom = chunk.length - budget * TAIL_CHARS_PER_TOKEN;
  const tailStart = tailFrom > 0 ? (nextWordStart(chunk, tailFrom) ?? 0) : 0;
  if (tailStart > 0) {
    const tail = chunk.slice(tailStart);
    const { offsets } = tokenizer.encodeWithOffsets(tail);
    // Only the tail's first word can be tokenised differently (it lacks its leading space); past the second word
    // start the tokens are the whole chunk's.
    const secondWord = nextWordStart(tail, 1);
    const windowStart = offsets.length > budget ? at(offsets, offsets.length - budget) : 0;
    if (secondWord !== undefined && windowStart >= secondWord) return tailStart + windowStart;
  }
  const { offsets } = tokenizer.encodeWithOffsets(chunk);
  return offsets.length > budget ? at(offsets, offsets.length - budget) : 0;
}

/** Characters per token in the tail `overlapWindowStart` tokenises: twice a typical 4 for English prose. */
const TAIL_CHARS_PER_TOKEN = 8;

/** The first offset ≥ `from` where a word starts (a non-space after a space), if any. */
function nextWordStart(text: string, from: number): number | undefined {
  const pattern = /\s\S/g;
  pattern.lastIndex = Math.max(from - 1, 0);
  const match = pattern.exec(text);
  return match === null ? undefined : match.index + 1;
}

/** Index of the first element ≥ `value` in a sorted array (its length if none). */
function firstIndexAtLeast(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (at(sorted, mid) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function codePointLength(text: string, offset: number): number {
  return (text.codePointAt(offset) ?? 0) > 0xffff ? 2 : 1;
}

/** `array[index]` for an index the caller knows is in range. */
function at<T>(array: readonly T[], index: number): T {
  const value = array[index];
  if (value === undefined) throw new RangeError(`index ${index} out of range 0..${array.length - 1}`);
  return value;
}
