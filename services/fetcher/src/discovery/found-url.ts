import { InvalidUrlError } from '../errors.ts';

/**
 * A URL found in a document, as discovery hands it on: absolute, http or https, without a fragment. The
 * fragment never reaches the server, so two URLs that differ only there are the same page.
 */

/** The URL a document was fetched from, against which what it contains is resolved. */
export function documentUrl(baseUrl: string | URL): URL {
  const url = URL.parse(String(baseUrl));
  if (url === null) throw new InvalidUrlError(String(baseUrl), 'the document URL does not parse');
  return url;
}

/**
 * `raw` resolved against `base`, or undefined when it is not a URL a crawler can fetch: it is blank, does not
 * parse, or its scheme is not http(s) (`mailto:`, `javascript:`, `data:`, `ftp:`). A blank reference would
 * resolve to the base itself, but an empty `<loc>` or `"url": ""` names nothing.
 */
export function resolveFoundUrl(raw: string, base: URL): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const url = URL.parse(trimmed, base.href);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  url.hash = '';
  return url.href;
}

/**
 * The URL without its fragment (an empty `#` included). Nothing else is removed: query, trailing slash and
 * path case are kept, since any of them may name another resource. It comes back serialised as the WHATWG
 * parser writes it (the host lower-cased, a default port dropped), which is how the fetcher reads it anyway.
 */
export function normaliseFoundUrl(url: string): string {
  const parsed = URL.parse(url);
  if (parsed === null) throw new InvalidUrlError(url, 'does not parse');
  parsed.hash = '';
  return parsed.href;
}
