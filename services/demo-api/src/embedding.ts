import { mulberry32, seedFrom } from './prng.ts';

/**
 * The vectors and token counts the embedding routes serve, computed without the server: a test embeds a query
 * with `demoEmbedding` and knows what the pipeline stored, and sizes its batches with `demoTokenCount`.
 *
 * A vector is the sum of one pseudo-random vector per distinct content word of the text (lower-cased runs of
 * letters and digits, a few dozen English stop words left out), each seeded from the model and the word, then
 * L2-normalised. So, for texts A and B with distinct content-word sets SA and SB:
 *
 *   cos(A, B) ≈ |SA ∩ SB| / √(|SA| · |SB|)   (the cosine of their binary bags of words), give or take about
 *   1/√dimensions (±0.05 at 384) of noise;
 *
 * texts with the same content words (in any order, any case, any number of times) get the same vector; texts
 * that share none are nearly orthogonal; another model gives unrelated vectors. A text without content words
 * (empty, punctuation, only stop words) gets a vector seeded from the whole text. A search test therefore finds
 * the chunk that shares the most words with its query, as long as the query shares a few with it.
 *
 * Word vectors draw their components in order, so a vector of fewer dimensions is the renormalised prefix of
 * a longer one, as with OpenAI's `dimensions`. Components are rounded to float32, so a vector survives the
 * base64 (float32) encoding exactly.
 */

export const EMBEDDING_DEFAULTS = {
  /** The model the TEI route serves (`DEMO_EMBED_MODEL`). */
  model: 'demo-embed-384',
  /** Dimensions when a request does not ask (`DEMO_EMBED_DIMENSIONS`). */
  dimensions: 384,
  /** Inputs one request may carry (`DEMO_EMBED_MAX_INPUTS`). */
  maxInputs: 256,
  /** Tokens (`demoTokenCount`) one request may carry, all inputs together (`DEMO_EMBED_MAX_TOKENS`). */
  maxTokens: 8_192,
} as const;

/** The ranges the settings and the request fields accept. */
export const EMBEDDING_LIMITS = {
  maxDimensions: 4_096,
  maxInputs: 100_000,
  maxTokens: 10_000_000,
  /** A larger request body is refused (413) unread; far above what the token limit lets through. */
  maxBodyBytes: 32 * 1024 ** 2,
} as const;

const WORD = /[\p{L}\p{N}]+/gu;

// Words nearly every English text has: left in, they would make every pair of texts look alike.
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by for from has have he her his i if in into is it its of on or our she so ' +
    'that the their them then there these they this to was we were what when which who will with you your'
  ).split(' '),
);

/** The distinct content words of a text, lower-cased, in order of first appearance. */
export function contentWords(text: string): string[] {
  const words = new Set<string>();
  for (const [word] of text.toLowerCase().matchAll(WORD)) {
    if (!STOP_WORDS.has(word)) words.add(word);
  }
  return [...words];
}

/** Adds `dimensions` uniform draws in [-1, 1) from the seed's generator to `sum`. */
function addRandomVector(sum: Float64Array, seed: number): void {
  const next = mulberry32(seed);
  for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + next() * 2 - 1;
}

function checkDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > EMBEDDING_LIMITS.maxDimensions) {
    throw new RangeError(
      `dimensions must be an integer 1..${EMBEDDING_LIMITS.maxDimensions}, got ${dimensions}`,
    );
  }
}

/** The embedding the demo API serves for `text`: deterministic, unit length, float32 components. */
export function demoEmbedding(
  text: string,
  dimensions: number = EMBEDDING_DEFAULTS.dimensions,
  model: string = EMBEDDING_DEFAULTS.model,
): number[] {
  checkDimensions(dimensions);
  const sum = new Float64Array(dimensions);
  const words = contentWords(text);
  if (words.length === 0) addRandomVector(sum, seedFrom('embed-text', model, text));
  for (const word of words) addRandomVector(sum, seedFrom('embed-word', model, word));
  let squares = 0;
  for (const x of sum) squares += x * x;
  // A zero sum needs exact cancellation of float draws; a single dimension is the only way to get near it.
  const norm = Math.sqrt(squares) || 1;
  return Array.from(sum, (x) => Math.fround(x / norm));
}

/**
 * The tokens the demo API counts for `text`: one per four UTF-16 code units, rounded up. A stand-in for a
 * real tokenizer (cl100k gives about as many for English prose), simple enough for a test to size requests.
 */
export function demoTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32s, base64-encoded. */
export function embeddingBase64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}
