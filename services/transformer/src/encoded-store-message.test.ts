import { MessageChannel } from 'node:worker_threads';
import type { StoreMessage } from '@tributary/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asBuffer, encodeStoreMessage } from './encoded-store-message.ts';

const source = {
  jobId: 'job-1',
  url: 'https://source.example/a',
  fetchedAt: '2026-01-01T00:00:00.000Z',
};

function documentsWith(texts: readonly string[], meta?: Record<string, unknown>): StoreMessage {
  return {
    kind: 'documents',
    source: { ...source, status: 200, contentHash: 'a'.repeat(64), chunkCount: texts.length, batch: 'b-1' },
    documents: texts.map((text, chunkIndex) => ({
      _id: `job-1:${chunkIndex}`,
      jobId: 'job-1',
      sourceUrl: source.url,
      title: 'Tïtle ✓',
      text,
      chunkIndex,
      chunkCount: texts.length,
      contentHash: 'a'.repeat(64),
      tokenCount: 3,
      ...(meta === undefined ? {} : { meta }),
      fetchedAt: source.fetchedAt,
      transformedAt: '2026-01-01T00:00:01.000Z',
    })),
  };
}

/** What the publisher would have sent for the message had it encoded it itself. */
const publisherBytes = (message: StoreMessage) => Buffer.from(JSON.stringify(message));

describe('encodeStoreMessage', () => {
  it('makes the bytes the publisher would make of a message with accents, emoji, a lone surrogate and meta', () => {
    const message = documentsWith(
      ['plain', 'café — naïve 日本語', 'emoji 👩\u200d💻', 'lone \ud800 surrogate'],
      {
        author: { name: 'Zoë' },
        tags: ['a', 'ß'],
      },
    );
    expect(encodeStoreMessage(message).body.equals(publisherBytes(message))).toBe(true);
  });

  it('makes the bytes the publisher would make for any UTF-16 text', () => {
    const anyUtf16 = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    });
    fc.assert(
      fc.property(fc.array(anyUtf16, { maxLength: 5 }), (texts) => {
        const message = documentsWith(texts);
        expect(encodeStoreMessage(message).body.equals(publisherBytes(message))).toBe(true);
      }),
    );
  });

  it('counts the documents of a message, and none for a not-modified touch', () => {
    expect(encodeStoreMessage(documentsWith(['a', 'b', 'c'])).documentCount).toBe(3);
    expect(encodeStoreMessage(documentsWith([])).documentCount).toBe(0);
    expect(encodeStoreMessage({ kind: 'not-modified', source }).documentCount).toBe(0);
  });

  it('gives bytes that move to another thread without a copy, and arrive intact', async () => {
    // Short bodies are the case that matters: a short Buffer.from() shares Node's pool and could not move.
    const message = documentsWith(['short']);
    const { body } = encodeStoreMessage(message);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<Uint8Array<ArrayBuffer>>((resolve) =>
      port2.once('message', (bytes: Uint8Array<ArrayBuffer>) => resolve(bytes)),
    );
    port1.postMessage(body, [body.buffer]);
    const arrived = asBuffer(await received);
    port1.close();
    expect(body.byteLength).toBe(0);
    expect(arrived.equals(publisherBytes(message))).toBe(true);
  });
});

describe('asBuffer', () => {
  it('views the same memory, not a copy', () => {
    const bytes = new Uint8Array(new ArrayBuffer(8), 2, 4);
    const buffer = asBuffer(bytes);
    buffer[0] = 7;
    expect(bytes[0]).toBe(7);
    expect(buffer.byteLength).toBe(4);
  });
});
