import { z } from 'zod';
import { InvalidTransformResultError } from './errors.ts';
import type { TransformResult } from './plugin.ts';

const Meta = z.record(z.string(), z.unknown());

const ChunkSchema = z.strictObject({
  text: z.string().refine((text) => text.trim() !== '', 'must not be blank'),
  tokenCount: z.number().int().nonnegative().optional(),
  meta: Meta.optional(),
});

const ResultSchema = z.strictObject({
  title: z.string().optional(),
  meta: Meta.optional(),
  chunks: z.array(ChunkSchema),
});

/** Fields of a Document the service derives; a result that sets them is told so. */
const SERVICE_FIELDS = [
  '_id',
  'jobId',
  'sourceUrl',
  'chunkIndex',
  'chunkCount',
  'contentHash',
  'fetchedAt',
  'transformedAt',
];

/**
 * Checks what a transform returned against `TransformResult`, strictly: unknown fields are errors, so a plugin
 * that tries to set ids or indexes learns at once that the service owns them. Throws
 * `InvalidTransformResultError` (not retryable) naming every problem and where it is.
 */
export function parseTransformResult(value: unknown): TransformResult {
  const parsed = ResultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (value === null || typeof value !== 'object') {
    throw new InvalidTransformResultError(
      `transform returned ${value === null ? 'null' : typeof value}, expected an object { title?, meta?, chunks: [{ text, tokenCount?, meta? }] }`,
    );
  }
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length === 0 ? 'result' : formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const owned = issue.keys.filter((key) => SERVICE_FIELDS.includes(key));
      const hint =
        owned.length > 0
          ? ` (${owned.join(', ')} ${owned.length === 1 ? 'is' : 'are'} set by the service, not by a transform)`
          : '';
      return `${where}: unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}${hint}`;
    }
    return `${where}: ${issue.message}`;
  });
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
  throw new InvalidTransformResultError(`transform result is invalid: ${problems.join('; ')}${more}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
