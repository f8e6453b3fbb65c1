/** A chunk as a search answers it. */
export interface FoundChunk {
  sourceUrl: string;
  chunkIndex: number;
  title?: string;
  text: string;
  /** Cosine similarity to the query, -1..1 (Atlas's `vectorSearchScore` maps it to 0..1: (1 + cosine) / 2). */
  score: number;
}

/** Cosine similarity of two vectors of one length; 0 when either is all zeros. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new RangeError(`vectors of ${a.length} and ${b.length} dimensions cannot be compared`);
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * The `k` best of a stream of scored items, best first, holding no more than `k` at a time: an exact scan of a
 * whole collection in flat memory. Ties keep the item seen first.
 */
export class TopK<T extends { score: number }> {
  readonly #k: number;
  readonly #best: T[] = [];

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer ≥ 1, got ${k}`);
    this.#k = k;
  }

  offer(item: T): void {
    const best = this.#best;
    if (best.length === this.#k && item.score <= (best.at(-1) as T).score) return;
    let at = best.length;
    while (at > 0 && (best[at - 1] as T).score < item.score) at--;
    best.splice(at, 0, item);
    if (best.length > this.#k) best.pop();
  }

  get items(): readonly T[] {
    return this.#best;
  }
}
