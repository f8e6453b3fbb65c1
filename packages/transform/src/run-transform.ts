import { contentHash, type RawRecord, type StoreMessage, unpackBody } from '@tributary/contracts';
import { decodeBody } from './body-text.ts';
import { CorruptBodyError } from './errors.ts';
import type { Transform, TransformConfig, TransformContext, TransformLogger } from './plugin.ts';
import { documentsMessage } from './store-message.ts';
import { parseTransformResult } from './transform-result.ts';

export interface RunTransformOptions {
  readonly config: TransformConfig;
  readonly logger: TransformLogger;
  /** Passed to the transform as `context.signal`; never aborted when absent. */
  readonly signal?: AbortSignal;
  /** The clock of `transformedAt`. */
  readonly now?: () => Date;
}

/**
 * One record through a transform, as the service runs it: the record's body is unpacked and hashed, the transform
 * runs, its result is checked (`parseTransformResult`) and assembled into the source's Documents
 * (`documentsMessage`). A 304 (not modified) has no body to transform and never comes here: the service passes
 * it on as a touch (`notModifiedMessage`).
 *
 * `contentHash` is the SHA-256 of the body bytes as the upstream sent them (after undoing the RawRecord's base64
 * and gzip, which depend on the fetcher's settings, not on the content): the same content gives the same hash,
 * whatever transform or chunking options produced the Documents.
 */
export async function runTransform(
  transform: Transform,
  record: RawRecord,
  options: RunTransformOptions,
): Promise<StoreMessage> {
  let body: Buffer;
  try {
    body = unpackBody(record);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new CorruptBodyError(`the record's body cannot be unpacked: ${detail}`, { cause: error });
  }
  let text: string | undefined;
  const context: TransformContext = {
    logger: options.logger,
    config: options.config,
    signal: options.signal ?? new AbortController().signal,
    body,
    bodyText: () => {
      text ??= decodeBody(body, record.contentType);
      return text;
    },
  };
  const result = parseTransformResult(await transform(record, context));
  return documentsMessage(record, result, {
    contentHash: contentHash(body),
    transformedAt: (options.now?.() ?? new Date()).toISOString(),
  });
}
