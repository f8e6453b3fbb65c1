import { z } from 'zod';
import { jobIdFor } from './ids.ts';

const HttpUrl = z.url({ protocol: /^https?$/ });
const IsoDate = z.iso.datetime({ offset: true });
const Meta = z.record(z.string(), z.unknown());
/** The batch a job was enqueued in, carried through every stage so that its end can be recorded. */
export const BatchIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'a batch id is 1-100 letters, digits, ".", "_", ":" or "-"');
const Batch = BatchIdSchema.optional();

/**
 * What a job asks the fetcher to find besides (or instead of) ingesting its page, docs/architecture.md §17:
 * the pages a sitemap lists (or, at a robots.txt, the sitemaps it names), the items of a paginated JSON API,
 * the entries of an RSS or Atom feed, or the links of HTML pages to a depth. Found URLs become jobs of the
 * same batch, deduplicated by job id, within the bounds.
 */
export const DiscoverSchema = z.strictObject({
  kind: z.enum(['sitemap', 'api', 'feed', 'crawl']),
  /** Also ingest the discovering page itself; by default only a crawl does. */
  ingest: z.boolean().optional(),
  /** Crawl: link hops from the root that are still followed (default 2). */
  maxDepth: z.number().int().min(0).max(20).optional(),
  /** Jobs found under one root, at most (default 10,000). */
  maxPages: z.number().int().positive().optional(),
  /** Jobs found under one root on one host, at most. */
  maxPerHost: z.number().int().positive().optional(),
  /** Found URLs are followed only on the root's site (scheme, host and port) unless this is false. */
  sameSite: z.boolean().optional(),
  /** Regular expressions a found URL must match one of / must match none of. */
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  /** API: dot paths to the items, to each item's URL and to the next page's URL in the JSON body. */
  itemsPath: z.string().optional(),
  itemUrlPath: z.string().optional(),
  nextPath: z.string().optional(),
  /** The URL prefix a sweep after this root's discovery may remove sources under (default: see §17). */
  sweepScope: HttpUrl.optional(),
});
export type Discover = z.infer<typeof DiscoverSchema>;

/** Crawl depth when the job names none: the root's links and theirs. */
export const DEFAULT_CRAWL_DEPTH = 2;

/** The link hops a crawl follows from its root. */
export function crawlDepthOf(discover: { maxDepth?: number | undefined }): number {
  return discover.maxDepth ?? DEFAULT_CRAWL_DEPTH;
}

/** Set by the fetcher on a job it found: the root job whose discovery found it, and how far from the root. */
const FoundSchema = z.strictObject({
  root: z.string().min(1),
  depth: z.number().int().min(1),
});

/**
 * A FetchJob as it travels: `id` may be left out by whoever enqueues it, and is then derived from the request
 * (`jobIdFor`) where the job is read, so the same request is the same job whichever way it arrives.
 */
export const FetchJobSchema = z
  .object({
    id: z.string().min(1).max(200).optional(),
    url: HttpUrl,
    method: z.enum(['GET', 'POST', 'PUT', 'HEAD']).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    meta: Meta.optional(),
    source: z.string().optional(),
    etag: z.string().optional(),
    lastModified: z.string().optional(),
    batch: Batch,
    discover: DiscoverSchema.optional(),
    found: FoundSchema.optional(),
  })
  .transform((job) => ({ ...job, id: job.id ?? jobIdFor(job) }));
/** A job as read from the wire: its `id` always set. */
export type FetchJob = z.output<typeof FetchJobSchema>;
/** A job as it may be enqueued: `id` optional. */
export type FetchJobInput = z.input<typeof FetchJobSchema>;

export const RawRecordSchema = z.object({
  jobId: z.string().min(1),
  url: HttpUrl,
  finalUrl: HttpUrl,
  status: z.number().int().min(100).max(599),
  contentType: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  fetchedAt: IsoDate,
  durationMs: z.number().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** Empty for a not-modified (304) record. */
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']),
  compressed: z.literal('gzip').optional(),
  meta: Meta.optional(),
  source: z.string().optional(),
  batch: Batch,
});
export type RawRecord = z.infer<typeof RawRecordSchema>;

/**
 * A chunk's vector, from the embed stage: the model that made it, its dimensions, and a hash of the text it was
 * made from, so that a chunk whose text and model are unchanged is not embedded again (docs/architecture.md §18).
 */
export const EmbeddingSchema = z.object({
  model: z.string().min(1),
  dimensions: z.number().int().positive(),
  textHash: z.string().min(1),
  vector: z.array(z.number()),
});
export type Embedding = z.infer<typeof EmbeddingSchema>;

export const DocumentSchema = z.object({
  _id: z.string().min(1),
  jobId: z.string().min(1),
  sourceUrl: HttpUrl,
  title: z.string().optional(),
  text: z.string(),
  chunkIndex: z.number().int().nonnegative(),
  chunkCount: z.number().int().positive(),
  contentHash: z.string().min(1),
  tokenCount: z.number().int().nonnegative(),
  meta: Meta.optional(),
  fetchedAt: IsoDate,
  transformedAt: IsoDate,
  embedding: EmbeddingSchema.optional(),
});
export type Document = z.infer<typeof DocumentSchema>;

/**
 * What reaches the writer: the chunks of one source, or a touch when the source did not change. Batching one
 * source's chunks in one message lets the writer remove stale chunks in the same flush it writes the new ones.
 */
export const StoreMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('documents'),
    source: z.object({
      jobId: z.string().min(1),
      url: HttpUrl,
      status: z.number().int(),
      etag: z.string().optional(),
      lastModified: z.string().optional(),
      contentHash: z.string(),
      chunkCount: z.number().int().nonnegative(),
      fetchedAt: IsoDate,
      batch: Batch,
    }),
    documents: z.array(DocumentSchema),
  }),
  z.object({
    kind: z.literal('not-modified'),
    source: z.object({ jobId: z.string().min(1), url: HttpUrl, fetchedAt: IsoDate, batch: Batch }),
  }),
]);
export type StoreMessage = z.infer<typeof StoreMessageSchema>;
