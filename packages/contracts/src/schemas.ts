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
