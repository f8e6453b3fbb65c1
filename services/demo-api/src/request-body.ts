import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body as UTF-8 text, up to a limit. Past the limit it stops reading and says so, leaving the
 * rest unread: the caller answers 413 with `Connection: close`, and the socket goes with the unread bytes
 * (destroying the request here would close the socket before the 413 could be sent).
 */

export type BodyRead = { kind: 'body'; text: string } | { kind: 'too-large' } | { kind: 'gone' };

export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const settle = (read: BodyRead) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onGone);
      req.off('error', onGone);
      if (read.kind === 'too-large') req.pause();
      resolve(read);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) settle({ kind: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = () => settle({ kind: 'body', text: Buffer.concat(chunks, bytes).toString('utf8') });
    // 'close' before 'end' is a client that went away mid-body; 'error' is a reset socket.
    const onGone = () => settle({ kind: 'gone' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onGone);
    req.on('error', onGone);
  });
}
