import { createRequire } from 'node:module';
import type { TiktokenBPE } from 'js-tiktoken/lite';

/**
 * Token counting with OpenAI's cl100k_base encoding (the tokenizer of text-embedding-3-* and
 * text-embedding-ada-002), producing exactly the tokens js-tiktoken produces for the same text.
 *
 * The vocabulary and the pre-tokenisation pattern come from js-tiktoken's bundled ranks; nothing is downloaded.
 * The byte-pair merge is done here rather than by js-tiktoken's `Tiktoken`, for two measured reasons:
 * - js-tiktoken's merge is quadratic in the length of one pre-tokenised piece (a run of letters without spaces):
 *   5,000 letters take 1.7 s and 50,000 take minutes, which would stall a worker on one odd record. Here a merge
 *   is O(n log n) (a heap of candidate pairs over a linked list of parts), with the same leftmost-lowest-rank
 *   order, so the tokens are identical.
 * - Natural text repeats its words, so tokens are cached per piece, and `count` allocates no token array.
 * Its unit tests compare the tokens with js-tiktoken's own encoder on generated and real text.
 *
 * Special-token strings such as `<|endoftext|>` in content are encoded as ordinary text, never as special tokens
 * (js-tiktoken's `encode(text, [], [])`), so no document can inject control tokens.
 */
export interface Tokenizer {
  readonly encoding: 'cl100k_base';
  /** The tokens of `text`. */
  encode(text: string): number[];
  /**
   * The tokens of `text`, and for each token the UTF-16 offset in `text` of the first character boundary at or
   * after the token's first byte (a token can start inside a multi-byte character).
   */
  encodeWithOffsets(text: string): { tokens: number[]; offsets: number[] };
  /** The text of `tokens`; a byte sequence that is not valid UTF-8 decodes to U+FFFD. */
  decode(tokens: readonly number[]): string;
  /** How many tokens `text` has: `encode(text).length`, without building the array. */
  count(text: string): number;
}

const requireCjs = createRequire(import.meta.url);

// Pieces up to this many UTF-16 units are cached; longer ones rarely repeat.
const CACHED_PIECE_MAX_LENGTH = 48;
// Bounds the cache's memory; it is cleared when full, which changes speed only, never results.
const CACHE_MAX_ENTRIES = 200_000;
const ASCII_ONLY = /^\p{ASCII}*$/u;

let shared: Cl100kTokenizer | undefined;

/** The process-wide cl100k_base tokenizer, built on first use (about 0.1 s and 20 MB), never at import. */
export function getTokenizer(): Tokenizer {
  shared ??= new Cl100kTokenizer(requireCjs('js-tiktoken/ranks/cl100k_base') as TiktokenBPE);
  return shared;
}

/** Shorthand for `getTokenizer().count(text)`. */
export function countTokens(text: string): number {
  return getTokenizer().count(text);
}

class Cl100kTokenizer implements Tokenizer {
  readonly encoding = 'cl100k_base';
  readonly #pattern: RegExp;
  // Byte sequences are held as "binary strings", one char per byte (latin1), which are cheap Map keys.
  readonly #rankOf = new Map<string, number>();
  readonly #bytesOf: string[] = [];
  readonly #cache = new Map<string, number | readonly number[]>();

  constructor(bpe: TiktokenBPE) {
    this.#pattern = new RegExp(bpe.pat_str, 'gu');
    for (const line of bpe.bpe_ranks.split('\n')) {
      if (line === '') continue;
      const [, offset, ...encoded] = line.split(' ');
      const first = Number.parseInt(offset ?? '', 10);
      encoded.forEach((base64, i) => {
        const bytes = Buffer.from(base64, 'base64').toString('latin1');
        this.#rankOf.set(bytes, first + i);
        this.#bytesOf[first + i] = bytes;
      });
    }
    for (const [text, rank] of Object.entries(bpe.special_tokens)) {
      this.#bytesOf[rank] = Buffer.from(text, 'utf8').toString('latin1');
    }
  }

  encode(text: string): number[] {
    const tokens: number[] = [];
    this.#eachPiece(text, (piece) => {
      if (typeof piece === 'number') tokens.push(piece);
      else for (const token of piece) tokens.push(token);
    });
    return tokens;
  }

  count(text: string): number {
    let total = 0;
    this.#eachPiece(text, (piece) => {
      total += typeof piece === 'number' ? 1 : piece.length;
    });
    return total;
  }

  encodeWithOffsets(text: string): { tokens: number[]; offsets: number[] } {
    const tokens = this.encode(text);
    const offsets: number[] = [];
    let byte = 0; // UTF-8 offset of the current token's first byte
    let charByte = 0; // UTF-8 offset of the character at `char`
    let char = 0;
    for (const token of tokens) {
      while (charByte < byte && char < text.length) {
        const code = text.codePointAt(char) ?? 0;
        charByte += utf8Length(code);
        char += code > 0xffff ? 2 : 1;
      }
      offsets.push(char);
      byte += this.#bytesOf[token]?.length ?? 0;
    }
    return { tokens, offsets };
  }

  decode(tokens: readonly number[]): string {
    let bytes = '';
    for (const token of tokens) {
      const piece = this.#bytesOf[token];
      if (piece === undefined) throw new RangeError(`token ${token} is not in the cl100k_base vocabulary`);
      bytes += piece;
    }
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }

  /** Calls `emit` with the tokens of each pre-tokenised piece of `text`: one token as a number, or an array. */
  #eachPiece(text: string, emit: (tokens: number | readonly number[]) => void): void {
    const pattern = this.#pattern;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const piece = match[0];
      if (piece.length > CACHED_PIECE_MAX_LENGTH) {
        emit(this.#encodePiece(piece));
        continue;
      }
      let tokens = this.#cache.get(piece);
      if (tokens === undefined) {
        tokens = this.#encodePiece(piece);
        if (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.clear();
        this.#cache.set(piece, tokens);
      }
      emit(tokens);
    }
  }

  #encodePiece(piece: string): number | readonly number[] {
    const bytes = ASCII_ONLY.test(piece) ? piece : Buffer.from(piece, 'utf8').toString('latin1');
    const whole = this.#rankOf.get(bytes);
    return whole ?? bytePairEncode(bytes, this.#rankOf);
  }
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  // A lone surrogate is encoded as U+FFFD, three bytes, like every code point below 0x10000.
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Byte-pair encoding of one piece: repeatedly merge the adjacent pair of parts whose concatenation has the lowest
 * rank, leftmost first, until no adjacent pair is in the vocabulary. Parts form a linked list over byte offsets;
 * candidate pairs sit in a binary heap ordered by (rank, start) and are checked for staleness when popped.
 */
function bytePairEncode(bytes: string, rankOf: ReadonlyMap<string, number>): readonly number[] {
  const n = bytes.length;
  // Part i starts at byte i; next[i] is the start of the following part (n at the end), or -1 once merged away.
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  const heap = new PairHeap();
  const pushPair = (start: number): void => {
    const mid = next[start] ?? n;
    if (mid >= n) return;
    const end = next[mid] ?? n;
    const rank = rankOf.get(bytes.slice(start, end));
    if (rank !== undefined) heap.push(rank, start, end);
  };
  for (let i = 0; i + 1 < n; i++) pushPair(i);

  while (heap.size > 0) {
    const { start, end } = heap.pop();
    const mid = next[start] ?? -1;
    // Stale if `start` was merged into its left neighbour, or either part grew since the pair was pushed.
    if (mid < 0 || mid >= n || (next[mid] ?? n) !== end) continue;
    next[start] = end;
    next[mid] = -1;
    if (end < n) prev[end] = start;
    pushPair(start);
    const before = prev[start] ?? -1;
    if (before >= 0) pushPair(before);
  }

  const tokens: number[] = [];
  for (let i = 0; i < n; i = next[i] ?? n) {
    const rank = rankOf.get(bytes.slice(i, next[i]));
    // Every single byte is in the vocabulary and every merge produced a known sequence, so this always holds.
    if (rank !== undefined) tokens.push(rank);
  }
  return tokens;
}

/** A binary min-heap of candidate merges, ordered by rank, then by position (leftmost first). */
class PairHeap {
  readonly #ranks: number[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  get size(): number {
    return this.#ranks.length;
  }

  push(rank: number, start: number, end: number): void {
    this.#ranks.push(rank);
    this.#starts.push(start);
    this.#ends.push(end);
    let i = this.#ranks.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the smallest pair; only called when size > 0. */
  pop(): { start: number; end: number } {
    const top = { start: this.#starts[0] ?? 0, end: this.#ends[0] ?? 0 };
    const last = this.#ranks.length - 1;
    this.#swap(0, last);
    this.#ranks.pop();
    this.#starts.pop();
    this.#ends.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < last && this.#less(left, smallest)) smallest = left;
      if (right < last && this.#less(right, smallest)) smallest = right;
      if (smallest === i) break;
      this.#swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  #less(a: number, b: number): boolean {
    const rankA = this.#ranks[a] ?? 0;
    const rankB = this.#ranks[b] ?? 0;
    return rankA < rankB || (rankA === rankB && (this.#starts[a] ?? 0) < (this.#starts[b] ?? 0));
  }

  #swap(a: number, b: number): void {
    swap(this.#ranks, a, b);
    swap(this.#starts, a, b);
    swap(this.#ends, a, b);
  }
}

function swap(array: number[], a: number, b: number): void {
  const held = array[a] ?? 0;
  array[a] = array[b] ?? 0;
  array[b] = held;
}
