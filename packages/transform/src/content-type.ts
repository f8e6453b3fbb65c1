import { UnsupportedContentTypeError } from './errors.ts';

/** Which extractor reads a body: `markdown` is read by the text extractor, with Markdown titles. */
export type ContentKind = 'html' | 'json' | 'markdown' | 'text';

/**
 * The kind of content a `Content-Type` header value announces, ignoring parameters (`; charset=utf-8`), case and
 * surrounding whitespace:
 * - `text/html`, `application/xhtml+xml` → `html`
 * - `application/json`, `text/json`, any `+json` subtype (`application/ld+json`, ...) → `json`
 * - `text/markdown`, `text/x-markdown`, any `markdown` subtype → `markdown`
 * - any other `text/*` (`text/plain`, `text/csv`, ...) → `text`
 *
 * Anything else (images, PDFs, `application/xml`, a missing type) throws `UnsupportedContentTypeError`
 * (reason `unsupported-content-type`, not retryable).
 */
export function contentKind(contentType: string): ContentKind {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const match = /^([a-z0-9!#$&^_.+-]+)\/([a-z0-9!#$&^_.+-]+)$/.exec(mediaType);
  const type = match?.[1];
  const subtype = match?.[2];
  if (type === undefined || subtype === undefined) throw new UnsupportedContentTypeError(contentType);
  if (subtype === 'html' || subtype === 'xhtml+xml') return 'html';
  if (subtype === 'json' || subtype.endsWith('+json')) return 'json';
  if (subtype === 'markdown' || subtype === 'x-markdown') return 'markdown';
  if (type === 'text') return 'text';
  throw new UnsupportedContentTypeError(contentType);
}
