import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBody } from './request-body.ts';

/** A stand-in for a request: a stream with headers, fed by the test. */
function fakeRequest(headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  return { stream, req: Object.assign(stream, { headers }) as unknown as IncomingMessage };
}

describe('readBody', () => {
  it('reads the body as UTF-8 text, across chunks', async () => {
    const { stream, req } = fakeRequest();
    const read = readBody(req, 100);
    const bytes = Buffer.from('{"input":"héllo"}');
    stream.write(bytes.subarray(0, 12));
    stream.end(bytes.subarray(12));
    expect(await read).toEqual({ kind: 'body', text: '{"input":"héllo"}' });
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const { req } = fakeRequest({ 'content-length': '101' });
    expect(await readBody(req, 100)).toEqual({ kind: 'too-large' });
  });

  it('stops reading once the bytes pass the limit', async () => {
    const { stream, req } = fakeRequest();
    const read = readBody(req, 10);
    stream.write('0123456789');
    stream.write('x');
    expect(await read).toEqual({ kind: 'too-large' });
    expect(stream.isPaused()).toBe(true);
  });

  it('says the client is gone when the request closes before its end', async () => {
    const { stream, req } = fakeRequest();
    const read = readBody(req, 100);
    stream.write('{"inp');
    stream.destroy();
    expect(await read).toEqual({ kind: 'gone' });
  });
});
