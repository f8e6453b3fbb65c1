import { contentHash, type Document, type Embedding, type StoreMessage } from '@tributary/contracts';
import { type Delivery, type Outcome, outcome } from '@tributary/messaging';
import type { EmbedBatcher } from './embed-batcher.ts';
import { EndpointOpenError } from './errors.ts';
import type { StoredEmbeddings } from './stored-embeddings.ts';

export interface EmbedHandlerDeps {
  model: string;
  stored: StoredEmbeddings;
  batcher: EmbedBatcher;
  /** Publishes the message to the store stage, resolving once the broker confirmed it. */
  publish: (message: StoreMessage, delivery: Delivery) => Promise<void>;
  /** Hears how many chunks were embedded now and how many kept the vector stored with them. */
  onChunks?: (embedded: number, reused: number) => void;
}

/**
 * The embed stage's handler (docs/architecture.md §18): one store message in, the same message with a vector on
 * every chunk out to the store stage, confirmed before the outcome says done. A chunk whose text and model are
 * those of the vector stored with it keeps that vector, without a call; the others go to the batcher, which packs
 * them with other messages' chunks into requests. A not-modified touch passes on as it is. While the endpoint's
 * breaker is open, messages are deferred without spending an attempt; other failures are thrown for the consumer
 * to retry or dead-letter by their `reason` and `retryable`.
 */
export function createEmbedHandler(deps: EmbedHandlerDeps) {
  return async (message: StoreMessage, delivery: Delivery): Promise<Outcome> => {
    if (message.kind === 'documents' && message.documents.length > 0) {
      try {
        message = { ...message, documents: await embedDocuments(message.documents, deps) };
      } catch (err) {
        if (err instanceof EndpointOpenError) return outcome.defer(err.reason, err.retryAfterMs);
        throw err;
      }
    }
    await deps.publish(message, delivery);
    return outcome.done();
  };
}

async function embedDocuments(documents: readonly Document[], deps: EmbedHandlerDeps): Promise<Document[]> {
  const hashes = documents.map((document) => textHash(document.text));
  const stored = await deps.stored.read(
    documents.map((document) => document._id),
    deps.model,
  );
  const missing = documents
    .map((document, index) => ({ document, index }))
    .filter(({ document, index }) => stored.get(document._id)?.textHash !== hashes[index]);
  const vectors = await deps.batcher.embed(
    missing.map(({ document }) => ({ text: document.text, tokens: document.tokenCount })),
  );
  const made = new Map<number, number[]>();
  missing.forEach(({ index }, i) => {
    made.set(index, vectors[i] as number[]);
  });
  deps.onChunks?.(missing.length, documents.length - missing.length);
  return documents.map((document, index) => {
    const vector = made.get(index);
    const embedding: Embedding =
      vector === undefined
        ? (stored.get(document._id) as Embedding)
        : { model: deps.model, dimensions: vector.length, textHash: hashes[index] as string, vector };
    return { ...document, embedding };
  });
}

/** What a stored vector was made from: a chunk whose text hashes the same needs no new one. */
export function textHash(text: string): string {
  return contentHash(text).slice(0, 32);
}
