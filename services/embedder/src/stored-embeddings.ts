import type { Embedding } from '@tributary/contracts';
import { readByIds } from '@tributary/core';
import type { Collection, Db } from 'mongodb';

interface StoredChunk {
  _id: string;
  embedding?: Embedding;
}

/** Chunks read one `_id` at a time up to this many: a source's few chunks cost FerretDB no scan (§10). */
const READ_ONE_BY_ONE_UP_TO = 16;

/**
 * The vectors stored with chunks, read by chunk id: what lets the embedder skip a chunk whose text and model are
 * unchanged since it was stored (docs/architecture.md §18). Chunk ids are deterministic (job id and index), so a
 * re-ingested source's chunks have the ids of the stored ones; whether the text is still the same is the
 * `textHash` stored with the vector.
 */
export class StoredEmbeddings {
  readonly #chunks: Collection<StoredChunk>;

  constructor(db: Db, documentsCollection: string) {
    this.#chunks = db.collection<StoredChunk>(documentsCollection);
  }

  /** The stored embeddings of those chunks that have one made by `model`, by chunk id. */
  async read(chunkIds: readonly string[], model: string): Promise<Map<string, Embedding>> {
    const chunks = await readByIds(this.#chunks, chunkIds, {
      projection: { embedding: 1 },
      oneByOneUpTo: READ_ONE_BY_ONE_UP_TO,
    });
    const found = new Map<string, Embedding>();
    for (const chunk of chunks) {
      if (chunk.embedding?.model === model) found.set(chunk._id, chunk.embedding);
    }
    return found;
  }
}
