import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBody, unpackBody } from './body-codec.ts';

describe('packBody', () => {
  it('keeps small text as UTF-8', () => {
    expect(packBody(Buffer.from('héllo'), 1024)).toEqual({ body: 'héllo', bodyEncoding: 'utf8' });
  });

  it('gzips bodies above the threshold', () => {
    const big = Buffer.from('a'.repeat(10_000));
    const packed = packBody(big, 1024);
    expect(packed.compressed).toBe('gzip');
    expect(packed.body.length).toBeLessThan(1_000);
  });

  it('base64-encodes binary that is not UTF-8', () => {
    expect(packBody(Buffer.from([0xff, 0xfe, 0x00]), 1024).bodyEncoding).toBe('base64');
  });

  it('round-trips any bytes at any threshold', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5_000 }),
        fc.integer({ min: 0, max: 6_000 }),
        (bytes, threshold) => {
          expect(Buffer.compare(unpackBody(packBody(bytes, threshold)), Buffer.from(bytes))).toBe(0);
        },
      ),
    );
  });
});
