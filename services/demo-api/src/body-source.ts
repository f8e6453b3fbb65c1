import { randomFor } from './prng.ts';
import { paragraph } from './text.ts';

/**
 * Bodies as byte sources that can be sent whole, in drips, or cut short: a buffer already in memory, a
 * deliberately corrupted JSON text, or a very large generated body that is produced chunk by chunk and never
 * held in memory whole.
 */

export interface BodySource {
  readonly length: number;
  /** The body in order, in chunks of at most `chunkBytes`. */
  chunks(chunkBytes: number): Iterable<Buffer>;
}

export function bufferSource(body: Buffer): BodySource {
  return {
    length: body.length,
    *chunks(chunkBytes) {
      for (let offset = 0; offset < body.length; offset += chunkBytes) {
        yield body.subarray(offset, Math.min(body.length, offset + chunkBytes));
      }
    },
  };
}

/**
 * Declared JSON that no parser accepts: the first half of the text, then a NUL and unbalanced brackets.
 * A raw NUL is invalid both inside a JSON string and outside one, wherever the cut falls.
 */
export function corruptJson(body: Buffer): Buffer {
  return Buffer.concat([body.subarray(0, Math.floor(body.length / 2)), Buffer.from('\u0000{]')]);
}

let filler: Buffer | undefined;

/** 64 KiB of prose made of letters, spaces, commas and full stops: safe inside a JSON string and in HTML. */
function fillerBlock(): Buffer {
  if (filler === undefined) {
    const r = randomFor('filler');
    const parts: string[] = [];
    let length = 0;
    while (length < 65_536) {
      const p = `${paragraph(r)} `;
      parts.push(p);
      length += p.length;
    }
    filler = Buffer.from(parts.join('').slice(0, 65_536));
  }
  return filler;
}

/** `prefix`, then filler prose, then `suffix`: exactly `length` bytes, generated as it is read. */
export function generatedSource(prefix: string, suffix: string, length: number): BodySource {
  const head = Buffer.from(prefix);
  const tail = Buffer.from(suffix);
  if (length < head.length + tail.length) {
    throw new RangeError(`a generated body needs at least ${head.length + tail.length} bytes, got ${length}`);
  }
  const block = fillerBlock();
  const tailStart = length - tail.length;
  /** Copies the bytes [from, from + out.length) of the body into out. */
  const read = (from: number, out: Buffer) => {
    for (let i = 0; i < out.length; ) {
      const at = from + i;
      if (at < head.length) {
        i += head.copy(out, i, at);
      } else if (at >= tailStart) {
        i += tail.copy(out, i, at - tailStart);
      } else {
        const blockAt = (at - head.length) % block.length;
        const end = Math.min(block.length, blockAt + (tailStart - at));
        i += block.copy(out, i, blockAt, end);
      }
    }
  };
  return {
    length,
    *chunks(chunkBytes) {
      for (let offset = 0; offset < length; offset += chunkBytes) {
        const out = Buffer.allocUnsafe(Math.min(chunkBytes, length - offset));
        read(offset, out);
        yield out;
      }
    },
  };
}

/** A large JSON document of exactly `length` bytes for `/records/:id?size=` and `/feed?size=`. */
export function largeJsonSource(id: string, length: number): BodySource {
  return generatedSource(`{"id":${JSON.stringify(id)},"size":${length},"filler":"`, '"}', length);
}

/** A large HTML page of exactly `length` bytes for `/pages/:id?size=`. */
export function largeHtmlSource(id: string, length: number): BodySource {
  const title = `Large page ${id}`;
  return generatedSource(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><article><h1>${title}</h1><p>`,
    '</p></article></body></html>\n',
    length,
  );
}
