import type { Collection, Db, Filter } from 'mongodb';

/**
 * A source record as the writer stores it (services/writer, `SourceRecord`): the fields the command reads. `_id`
 * is the job id.
 */
export interface StoredSource {
  _id: string;
  url: string;
  etag?: string;
  lastModified?: string;
  lastFetchedAt: Date;
}

/** A chunk as the writer stores it (`StoredDocument`): the fields the command reads. */
interface StoredChunk {
  _id: string;
  jobId: string;
  chunkIndex: number;
  meta?: Record<string, unknown>;
}

/** The collections, as the writer and the command read them from MONGO_SOURCES_COLLECTION and MONGO_DOCUMENTS_COLLECTION. */
export interface SourceCollections {
  sourcesCollection: string;
  documentsCollection: string;
}

/** Which sources to read: under one of the URL prefixes (all when none), last fetched before a time. */
export interface SourceQuery {
  urlPrefixes?: readonly string[];
  fetchedBefore?: Date;
}

/** Sources read, looked up and removed at once: one query for the page's chunks, one for its batch records. */
export const SOURCE_PAGE_SIZE = 500;

const SOURCE_FIELDS = { _id: 1, url: 1, etag: 1, lastModified: 1, lastFetchedAt: 1 } as const;

/** The stored sources and their chunks, as refresh and sweep read and remove them. */
export class SourceStore {
  readonly #sources: Collection<StoredSource>;
  readonly #chunks: Collection<StoredChunk>;

  constructor(db: Db, collections: SourceCollections) {
    this.#sources = db.collection<StoredSource>(collections.sourcesCollection);
    this.#chunks = db.collection<StoredChunk>(collections.documentsCollection);
  }

  /** How many sources the query selects (for a progress bar; the pages may differ if the store changes meanwhile). */
  count(query: SourceQuery): Promise<number> {
    return this.#sources.countDocuments(sourceFilter(query));
  }

  /**
   * The sources the query selects, a page at a time, through one cursor: memory stays flat whatever the size of
   * the store. Removing the sources of a page already read is safe while the cursor goes on.
   */
  async *pages(query: SourceQuery, pageSize = SOURCE_PAGE_SIZE): AsyncGenerator<StoredSource[]> {
    const cursor = this.#sources.find(sourceFilter(query), {
      projection: SOURCE_FIELDS,
      batchSize: pageSize,
    });
    try {
      let page: StoredSource[] = [];
      for await (const source of cursor) {
        page.push(source);
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } finally {
      await cursor.close();
    }
  }

  /** The meta of each source's first chunk (what the source was ingested with), for the sources that have one. */
  async firstChunkMeta(jobIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const metas = new Map<string, Record<string, unknown>>();
    if (jobIds.length === 0) return metas;
    const chunks = this.#chunks.find(
      { jobId: { $in: [...jobIds] }, chunkIndex: 0 },
      { projection: { _id: 0, jobId: 1, meta: 1 } },
    );
    for await (const chunk of chunks) if (chunk.meta !== undefined) metas.set(chunk.jobId, chunk.meta);
    return metas;
  }

  /** How many chunks the sources have. */
  countChunks(jobIds: readonly string[]): Promise<number> {
    if (jobIds.length === 0) return Promise.resolve(0);
    return this.#chunks.countDocuments({ jobId: { $in: [...jobIds] } });
  }

  /**
   * Removes the sources and their chunks, the chunks first: a removal cut short leaves a source without chunks,
   * which the next sweep finds and removes, never chunks that no source owns.
   */
  async remove(jobIds: readonly string[]): Promise<{ sources: number; chunks: number }> {
    if (jobIds.length === 0) return { sources: 0, chunks: 0 };
    const chunks = await this.#chunks.deleteMany({ jobId: { $in: [...jobIds] } });
    const sources = await this.#sources.deleteMany({ _id: { $in: [...jobIds] } });
    return { sources: sources.deletedCount, chunks: chunks.deletedCount };
  }
}

function sourceFilter(query: SourceQuery): Filter<StoredSource> {
  const filter: Filter<StoredSource> = {};
  if (query.fetchedBefore !== undefined) filter.lastFetchedAt = { $lt: query.fetchedBefore };
  const prefixes = query.urlPrefixes ?? [];
  if (prefixes.length === 1) filter.url = { $regex: prefixPattern(prefixes[0] as string) };
  else if (prefixes.length > 1)
    filter.$or = prefixes.map((prefix) => ({ url: { $regex: prefixPattern(prefix) } }));
  return filter;
}

/** An anchored, escaped pattern: a prefix match the server can answer from an index on `url` when there is one. */
function prefixPattern(prefix: string): string {
  return `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
}
