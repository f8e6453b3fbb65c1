import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { BodySource } from './body-source.ts';
import type { Truncation } from './faults.ts';

/**
 * Sends a response body with the body faults applied: dripped (one chunk, then a pause), truncated (half the
 * body, then the connection is closed: with a Content-Length promising all of it, or in chunked encoding
 * without the final chunk), or streamed with backpressure when it is large. Stops as soon as the client is
 * gone or the server closes.
 */

export interface DeliveryOptions {
  dripMs: number;
  /** Bytes per dripped chunk; a tenth of the body by default. */
  dripBytes: number | undefined;
  truncate: Truncation;
  /** Waits `ms`; false when the server is closing. */
  wait: (ms: number) => Promise<boolean>;
  /** Told how many body bytes each write handed to the socket. */
  wrote: (bytes: number) => void;
}

const STREAM_CHUNK_BYTES = 64 * 1024;

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function flushed(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
  });
}

export async function deliverBody(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  source: BodySource,
  options: DeliveryOptions,
): Promise<void> {
  const { dripMs, truncate } = options;
  res.writeHead(status, truncate === 'chunked' ? headers : { ...headers, 'content-length': source.length });
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  // Headers go out at once, so a client sees the response start and then waits on the body.
  res.flushHeaders();
  const cutAt = truncate === 'none' ? source.length : Math.floor(source.length / 2);
  const chunkBytes =
    dripMs > 0 ? (options.dripBytes ?? Math.max(1, Math.ceil(source.length / 10))) : STREAM_CHUNK_BYTES;
  let sent = 0;
  for (const chunk of source.chunks(chunkBytes)) {
    if (dripMs > 0 && !(await options.wait(dripMs))) return;
    if (res.destroyed) return;
    const piece = sent + chunk.length > cutAt ? chunk.subarray(0, cutAt - sent) : chunk;
    sent += piece.length;
    options.wrote(piece.length);
    if (sent >= cutAt && truncate !== 'none') {
      // What was sent reaches the client before the connection closes under it.
      await flushed(res, piece);
      res.destroy();
      return;
    }
    if (!res.write(piece)) await drained(res);
    if (sent >= cutAt) break;
  }
  res.end();
}
