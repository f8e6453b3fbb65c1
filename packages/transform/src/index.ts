export { decodeBody } from './body-text.ts';
export { type Chunk, type ChunkOptions, chunkText, resolveChunkOptions } from './chunker.ts';
export { type ContentKind, contentKind } from './content-type.ts';
export { defaultTransform } from './default-transform.ts';
export {
  InvalidOptionsError,
  MalformedContentError,
  TransformError,
  type TransformErrorReason,
  UnsupportedContentTypeError,
} from './errors.ts';
export { type ExtractContentOptions, extractContent } from './extract-content.ts';
export { extractHtml } from './extract-html.ts';
export { type ExtractJsonOptions, extractJson, parseJson } from './extract-json.ts';
export { type ExtractTextOptions, extractText } from './extract-text.ts';
export type { ExtractedContent } from './extracted-content.ts';
export { type LoadTransformOptions, loadTransform, resolveTransformSpecifier } from './load-transform.ts';
export { normaliseText } from './normalise-text.ts';
export {
  DEFAULT_TRANSFORM_CONFIG,
  defineTransform,
  type Transform,
  type TransformChunk,
  type TransformConfig,
  type TransformContext,
  type TransformLogger,
  type TransformLogMethod,
  type TransformResult,
} from './plugin.ts';
export { CorruptBodyError, InvalidTransformResultError, TransformModuleError } from './plugin-errors.ts';
export { type RunTransformOptions, runTransform } from './run-transform.ts';
export { type SentenceSpan, segmentSentences } from './segment-sentences.ts';
export {
  type DocumentsMessageOptions,
  documentsMessage,
  isNotModified,
  notModifiedMessage,
} from './store-message.ts';
export { countTokens, getTokenizer, type Tokenizer } from './tokenizer.ts';
export { parseTransformResult } from './transform-result.ts';
