import { chunkText } from './chunker.ts';
import { extractContent } from './extract-content.ts';
import { defineTransform, type TransformResult } from './plugin.ts';

/**
 * The RAG transform the service runs when TRANSFORM_MODULE is not set: the body's readable text by content type
 * (`extractContent`: HTML's main content without navigation, boilerplate, scripts and styles; JSON's selected
 * fields (`config.jsonFields`) or the whole record flattened; plain text and Markdown as they are), normalised,
 * then split into token-bounded, overlapping chunks (`chunkText` with `config.chunking`, cl100k_base tokens).
 *
 * The title is the extractor's; `meta.canonicalUrl` and `meta.lang` are set when the page declares them.
 * A body with no text gives no chunks. An unsupported content type or JSON that does not parse throws an
 * error that is not retryable (`UnsupportedContentTypeError`, `MalformedContentError`).
 */
export const defaultTransform = defineTransform((record, context): TransformResult => {
  const extracted = extractContent(context.bodyText(), {
    contentType: record.contentType,
    url: record.finalUrl,
    ...(context.config.jsonFields === undefined ? {} : { jsonFields: context.config.jsonFields }),
  });
  const chunks = chunkText(extracted.text, context.config.chunking).map((chunk) => ({
    text: chunk.text,
    tokenCount: chunk.tokenCount,
  }));
  const meta = {
    ...(extracted.canonicalUrl === undefined ? {} : { canonicalUrl: extracted.canonicalUrl }),
    ...(extracted.lang === undefined ? {} : { lang: extracted.lang }),
  };
  return {
    ...(extracted.title === undefined ? {} : { title: extracted.title }),
    ...(Object.keys(meta).length === 0 ? {} : { meta }),
    chunks,
  };
});
