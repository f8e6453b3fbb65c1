import type { Db } from 'mongodb';
import { cosine, type FoundChunk, TopK } from './nearest.ts';

export interface SearchOptions {
  k: number;
  /** Only vectors of this model are comparable with the query's. */
  model: string;
  documentsCollection: string;
  /** The Atlas Vector Search index on `embedding.vector` (README: its definition). */
  index: string;
  /** Skip `$vectorSearch` and scan. */
  exact?: boolean;
}

export interface SearchResult {
  chunks: FoundChunk[];
  /** `vector-search`: the server's index answered; `exact`: every chunk of the model was compared. */
  method: 'vector-search' | 'exact';
  /** Why `$vectorSearch` was not used, when it was tried. */
  fallback?: string;
}

interface StoredChunk {
  sourceUrl: string;
  chunkIndex: number;
  title?: string;
  text: string;
  embedding?: { vector: number[] };
}

/**
 * The `k` chunks nearest the query vector: with `$vectorSearch` where the server has it (MongoDB Atlas, or a
 * MongoDB with its search process), else by an exact scan of every chunk embedded by the same model, in flat
 * memory (FerretDB, a MongoDB without search; fine for a local store, linear in the chunks).
 */
export async function searchChunks(db: Db, vector: number[], options: SearchOptions): Promise<SearchResult> {
  if (options.exact) return { chunks: await exactSearch(db, vector, options), method: 'exact' };
  try {
    return { chunks: await indexedSearch(db, vector, options), method: 'vector-search' };
  } catch (err) {
    return {
      chunks: await exactSearch(db, vector, options),
      method: 'exact',
      fallback: (err as Error).message,
    };
  }
}

async function indexedSearch(db: Db, vector: number[], options: SearchOptions): Promise<FoundChunk[]> {
  const found = await db
    .collection(options.documentsCollection)
    .aggregate<FoundChunk>([
      {
        $vectorSearch: {
          index: options.index,
          path: 'embedding.vector',
          queryVector: vector,
          numCandidates: Math.max(100, options.k * 20),
          limit: options.k,
          filter: { 'embedding.model': options.model },
        },
      },
      {
        $project: {
          _id: 0,
          sourceUrl: 1,
          chunkIndex: 1,
          title: 1,
          text: 1,
          // Atlas scores cosine as (1 + cosine) / 2; back to cosine, as the exact scan reports it.
          score: { $subtract: [{ $multiply: [2, { $meta: 'vectorSearchScore' }] }, 1] },
        },
      },
    ])
    .toArray();
  return found;
}

async function exactSearch(db: Db, vector: number[], options: SearchOptions): Promise<FoundChunk[]> {
  const top = new TopK<FoundChunk>(options.k);
  const cursor = db
    .collection<StoredChunk>(options.documentsCollection)
    .find(
      { 'embedding.model': options.model },
      { projection: { _id: 0, sourceUrl: 1, chunkIndex: 1, title: 1, text: 1, 'embedding.vector': 1 } },
    );
  for await (const chunk of cursor) {
    const stored = chunk.embedding?.vector;
    if (stored === undefined || stored.length !== vector.length) continue;
    const { embedding: _, ...shown } = chunk;
    top.offer({ ...shown, score: cosine(vector, stored) });
  }
  return [...top.items];
}
