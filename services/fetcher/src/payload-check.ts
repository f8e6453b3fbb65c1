/**
 * Whether a 2xx body is what it says it is. Only declared JSON is checked (it is cheap and certain); a body
 * that fails the check is a corrupted response, retried like a transient failure.
 */

/** `application/json`, `application/ld+json; charset=utf-8`, `text/json` */
export function declaresJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType.endsWith('/json') || mediaType.endsWith('+json');
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
