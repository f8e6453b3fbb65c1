import type { StoreMessage } from '@tributary/contracts';

/**
 * A StoreMessage as the worker's main thread handles it: the body it publishes to `store.docs`, already encoded,
 * and the one fact about it the main thread still needs (for metrics), so that it never parses the body again.
 */
export interface EncodedStoreMessage {
  /**
   * The message as JSON in UTF-8, byte for byte what `publishToStage` would have made of it, alone in its
   * ArrayBuffer, so that the buffer can be transferred to another thread.
   */
  readonly body: Buffer<ArrayBuffer>;
  /** Documents the message carries; 0 for a not-modified touch. */
  readonly documentCount: number;
}

// TextEncoder, not Buffer.from: a short Buffer.from() is a slice of Node's shared pool, which cannot be transferred
// to another thread; TextEncoder's bytes own their ArrayBuffer. The bytes are the same, as JSON.stringify's output
// is always well-formed UTF-16 (lone surrogates come out escaped).
const encoder = new TextEncoder();

export function encodeStoreMessage(message: StoreMessage): EncodedStoreMessage {
  return {
    body: asBuffer(encoder.encode(JSON.stringify(message))),
    documentCount: message.kind === 'documents' ? message.documents.length : 0,
  };
}

/** A Buffer over the same memory, not a copy: what arrives from another thread is a plain Uint8Array. */
export function asBuffer(bytes: Uint8Array<ArrayBuffer>): Buffer<ArrayBuffer> {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
