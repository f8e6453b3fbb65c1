/**
 * Whether a 2xx body is what it says it is. Only declared JSON is checked (it is cheap and certain); a body
 * that fails the check is a corrupted response, retried like a transient failure.
 */

/** The media type (before any parameter) ends in `/json` or `+json`. */
const JSON_MEDIA_TYPE = /^[^;]*[/+]json\s*(;|$)/i;

/** `application/json`, `application/ld+json; charset=utf-8`, `text/json` */
export function declaresJson(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType);
}

/** Undefined when the body is fine; otherwise what is wrong with it. */
export function payloadProblem(contentType: string | undefined, body: Uint8Array): string | undefined {
  if (!declaresJson(contentType)) return undefined;
  try {
    JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    return undefined;
  } catch (err) {
    return `declared ${contentType} but the body is not valid JSON (${(err as Error).message.slice(0, 100)})`;
  }
}
