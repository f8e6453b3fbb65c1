export { type Chunk, type ChunkOptions, chunkText, resolveChunkOptions } from './chunker.ts';
export { type ContentKind, contentKind } from './content-type.ts';
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
export { normaliseText } from './normalise-text.ts';
export { type SentenceSpan, segmentSentences } from './segment-sentences.ts';
export { countTokens, getTokenizer, type Tokenizer } from './tokenizer.ts';
