import { gunzipSync, gzipSync } from 'node:zlib';
import type { RawRecord } from './schemas.ts';

export type PackedBody = Pick<RawRecord, 'body' | 'bodyEncoding' | 'compressed'>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * How a fetched body travels inside a RawRecord: as text when it is valid UTF-8 and small, gzip-compressed and
 * base64-encoded above `compressAboveBytes`, base64 when it is binary.
 */
export function packBody(bytes: Uint8Array, compressAboveBytes: number): PackedBody {
  if (bytes.byteLength > compressAboveBytes) {
    return { body: gzipSync(bytes).toString('base64'), bodyEncoding: 'base64', compressed: 'gzip' };
  }
  const text = asUtf8(bytes);
  if (text !== undefined) return { body: text, bodyEncoding: 'utf8' };
  return { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' };
}

export function unpackBody(packed: PackedBody): Buffer {
  const raw =
    packed.bodyEncoding === 'base64' ? Buffer.from(packed.body, 'base64') : Buffer.from(packed.body, 'utf8');
  return packed.compressed === 'gzip' ? gunzipSync(raw) : raw;
}
