import { createHash } from 'node:crypto';

/**
 * Validators and conditional GET (RFC 9110 §13): a strong ETag from a hash of the body, a Last-Modified from
 * the content's date, and the decision whether a request's preconditions make the answer a 304.
 */

export interface Validators {
  /** A strong entity tag, quotes included. */
  etag: string;
  /** IMF-fixdate, whole seconds. */
  lastModified: string;
}

/** A strong ETag: the same bytes always give the same tag, different bytes (practically) never do. */
export function strongEtag(body: Uint8Array | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function httpDate(isoOrMs: string | number): string {
  return new Date(isoOrMs).toUTCString();
}

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** If-None-Match with the weak comparison RFC 9110 prescribes for GET and HEAD. */
function noneMatch(header: string, etag: string): boolean {
  const wanted = opaqueTag(etag);
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || opaqueTag(tag) === wanted) return true;
  }
  return false;
}

export interface ConditionalHeaders {
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
}

/**
 * Whether a GET or HEAD with these headers gets a 304. If-None-Match, when present, decides alone; otherwise
 * If-Modified-Since does when it is a valid date and the content is not newer. An invalid date is ignored.
 */
export function isNotModified(headers: ConditionalHeaders, validators: Validators): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return noneMatch(ifNoneMatch, validators.etag);
  const ifModifiedSince = headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Date.parse(validators.lastModified) <= since;
}
