import { contentKind } from './content-type.ts';
import { extractHtml } from './extract-html.ts';
import { extractJson, parseJson } from './extract-json.ts';
import { extractText } from './extract-text.ts';
import type { ExtractedContent } from './extracted-content.ts';

export interface ExtractContentOptions {
  /** The `Content-Type` the body was served with; it picks the extractor (`contentKind`). */
  readonly contentType: string;
  /** The URL the body came from (after redirects): relative links in HTML resolve against it. */
  readonly url: string;
  /** For JSON: the dot paths of the fields to read (`extractJson`); all fields when absent. */
  readonly jsonFields?: readonly string[];
}

/**
 * The text of a fetched body, by its content type. Throws `UnsupportedContentTypeError` for a type no extractor
 * reads and `MalformedContentError` for JSON that does not parse; neither is retryable.
 */
export function extractContent(body: string, options: ExtractContentOptions): ExtractedContent {
  switch (contentKind(options.contentType)) {
    case 'html':
      return extractHtml(body, options.url);
    case 'json':
      return extractJson(
        parseJson(body),
        options.jsonFields === undefined ? {} : { fields: options.jsonFields },
      );
    case 'markdown':
      return extractText(body, { format: 'markdown' });
    case 'text':
      return extractText(body, { format: 'plain' });
  }
}
