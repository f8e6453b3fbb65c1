import { HEADERS, type StoreMessage } from '@tributary/contracts';
import { demoEmbedding, demoTokenCount, EMBEDDING_REFUSE_MARKER } from '@tributary/demo-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type TakenMessage, takeAll } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { documentsMessage } from '../writer/harness.ts';
import { type EmbedWorld, startEmbedWorld } from './harness.ts';

let world: EmbedWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * `count` sources of `chunks` chunks each, with texts of their own, each chunk's token count the demo API's count of
 * its text: so that the embedder's token limits and budgets are checked in the units the endpoint counts.
 */
function sources(
  prefix: string,
  count: number,
  chunks: number,
): Extract<StoreMessage, { kind: 'documents' }>[] {
  return Array.from({ length: count }, (_, i) => {
    const message = documentsMessage(`${prefix}-${i}`, chunks, {
      text: (chunk) => `source ${prefix} ${i} chunk ${chunk}: rivers carry sediment word${i}x${chunk}`,
    });
    return {
      ...message,
      documents: message.documents.map((document) => ({
        ...document,
        tokenCount: demoTokenCount(document.text),
      })),
    };
  });
}

const chunksOf = (messages: readonly StoreMessage[]) =>
  messages.flatMap((message) => (message.kind === 'documents' ? message.documents : []));

describe('the embed stage', () => {
  it("packs many sources' chunks into few requests and stores each chunk with its vector, model and dimensions", async () => {
    world = await startEmbedWorld();
    await world.startEmbedder({
      EMBED_BATCH_CHUNKS: '16',
      EMBED_BATCH_TOKENS: '150',
      EMBED_MODEL: 'demo-embed-384',
    });
    const messages = sources('batch', 40, 3);
    await world.publish(...messages);
    await world.writer.waitForDocuments(120);
    for (const chunk of chunksOf(messages)) {
      const stored = await world.writer.documents.findOne({ _id: chunk._id });
      expect(stored?.embedding).toMatchObject({ model: 'demo-embed-384', dimensions: 384 });
      expect(stored?.embedding?.vector).toEqual(demoEmbedding(chunk.text, 384, 'demo-embed-384'));
    }
    const stats = await world.stats();
    expect(stats.inputs).toBe(120);
    expect(stats.tokens).toBe(chunksOf(messages).reduce((sum, chunk) => sum + chunk.tokenCount, 0));
    expect(stats.maxInputsPerRequest).toBeLessThanOrEqual(16);
    expect(stats.maxTokensPerRequest).toBeLessThanOrEqual(150);
    // Batched across sources: fewer requests than the 40 sources, six chunks or more each on average (the
    // sources arrive over time, so a request the linger sends may not be full).
    expect(stats.requests).toBeLessThan(40);
    expect(stats.inputs / stats.requests).toBeGreaterThanOrEqual(6);
  });

  it('makes no call for chunks re-ingested unchanged, and embeds every chunk again for another model', async () => {
    world = await startEmbedWorld();
    const first = await world.startEmbedder({ EMBED_MODEL: 'demo-embed-384' });
    const messages = sources('again', 10, 2);
    await world.publish(...messages);
    await world.writer.waitForDocuments(20);
    await waitFor(
      async () => (await first.metric('tributary_embed_chunks_total', { result: 'embedded' })) === 20,
      {
        timeoutMs: 30_000,
        what: '20 chunks embedded',
      },
    );
    await world.resetStats();
    // The same sources again (a re-ingestion of an unchanged site), and one changed chunk.
    const changed = documentsMessage('again-0', 2, {
      text: (chunk) =>
        chunk === 0 ? 'a rewritten first chunk' : 'source again 0 chunk 1: rivers carry sediment word0x1',
    });
    await world.publish(changed, ...messages.slice(1));
    await waitFor(
      async () => (await first.metric('tributary_embed_chunks_total', { result: 'reused' })) === 19,
      {
        timeoutMs: 30_000,
        what: '19 chunks reused',
      },
    );
    expect((await world.stats()).inputs).toBe(1);
    await waitFor(
      async () => {
        const stored = await world?.writer.documents.findOne({ _id: changed.documents[0]?._id ?? '' });
        return stored?.text === 'a rewritten first chunk';
      },
      { timeoutMs: 30_000 },
    );

    await first.stop();
    await world.resetStats();
    const other = await world.startEmbedder({ EMBED_MODEL: 'demo-embed-other', EMBED_DIMENSIONS: '64' });
    await world.publish(...messages.slice(1));
    await waitFor(
      async () => (await other.metric('tributary_embed_chunks_total', { result: 'embedded' })) === 18,
      {
        timeoutMs: 30_000,
        what: '18 chunks embedded by the other model',
      },
    );
    await waitFor(
      async () =>
        (await world?.writer.documents.countDocuments({ 'embedding.model': 'demo-embed-other' })) === 18,
      {
        timeoutMs: 30_000,
        what: 'the other model stored',
      },
    );
    expect((await world.stats()).inputs).toBe(18);
    const stored = await world.writer.documents.findOne({ 'embedding.model': 'demo-embed-other' });
    expect(stored?.embedding?.dimensions).toBe(64);
  });

  it('keeps within its request budget, measured at the endpoint', async () => {
    world = await startEmbedWorld();
    // 300 requests a minute: 5 a second, with a burst of one second's worth.
    await world.startEmbedder({
      EMBED_BATCH_CHUNKS: '1',
      EMBED_REQUESTS_PER_MINUTE: '300',
      EMBED_PREFETCH: '100',
    });
    const started = Date.now();
    await world.publish(...sources('budget', 30, 1));
    await world.writer.waitForDocuments(30);
    const seconds = (Date.now() - started) / 1000;
    const stats = await world.stats();
    expect(stats.requests).toBe(30);
    // Any second: at most the rate and the burst (10), and a few more where this loaded process released late
    // requests that were due together; without the budget all 30 arrive in the first second.
    expect(stats.peakRequestsPerSecond).toBeLessThanOrEqual(15);
    expect(seconds).toBeGreaterThanOrEqual((30 - 5) / 5 - 0.5);
  });

  it('keeps within its token budget, measured at the endpoint', async () => {
    world = await startEmbedWorld();
    // 3,000 tokens a minute: 50 a second, with a burst of one second's worth; each chunk is about 13 tokens.
    await world.startEmbedder({
      EMBED_BATCH_CHUNKS: '2',
      EMBED_TOKENS_PER_MINUTE: '3000',
      EMBED_PREFETCH: '100',
    });
    const messages = sources('tokens', 20, 1);
    const tokens = chunksOf(messages).reduce((sum, chunk) => sum + chunk.tokenCount, 0);
    const started = Date.now();
    await world.publish(...messages);
    await world.writer.waitForDocuments(20);
    const seconds = (Date.now() - started) / 1000;
    const stats = await world.stats();
    expect(stats.tokens).toBe(tokens);
    // The rate and the burst (100), a request's worth over the second's edge, and slack for requests released
    // late together; without the budget all of them arrive in the first second.
    expect(stats.peakTokensPerSecond).toBeLessThanOrEqual(2 * 50 + 60);
    expect(tokens).toBeGreaterThan(2 * 50 + 60);
    expect(seconds).toBeGreaterThanOrEqual((tokens - 50) / 50 - 0.5);
  });

  it('splits requests the endpoint finds too large, and stores everything', async () => {
    world = await startEmbedWorld({ maxInputs: 5 });
    const embedder = await world.startEmbedder({ EMBED_BATCH_CHUNKS: '32', EMBED_BATCH_MAX_MS: '100' });
    await world.publish(...sources('split', 12, 2));
    await world.writer.waitForDocuments(24);
    const stats = await world.stats();
    expect(stats.inputs).toBe(24);
    expect(stats.byStatus['413']).toBeGreaterThan(0);
    expect(
      await embedder.metric('tributary_embed_requests_total', { outcome: 'embedding-too-large' }),
    ).toBeGreaterThan(0);
    expect(await takeAll(world.writer.broker.amqpUrl, 'embed.dead')).toEqual([]);
  });

  it('comes through a storm of 429s with Retry-After, losing nothing', async () => {
    world = await startEmbedWorld();
    const embedder = await world.startEmbedder({
      EMBED_ENDPOINT: `${world.endpoint}?failFirst=5&failStatus=429&retryAfter=1`,
      EMBED_BATCH_CHUNKS: '4',
    });
    await world.publish(...sources('storm', 12, 2));
    await world.writer.waitForDocuments(24, 60_000);
    expect(
      await embedder.metric('tributary_embed_requests_total', { outcome: 'rate-limited' }),
    ).toBeGreaterThan(0);
    expect(await takeAll(world.writer.broker.amqpUrl, 'embed.dead')).toEqual([]);
  });

  it('opens its breaker while the endpoint is down, loses nothing, and resumes when it is back', async () => {
    world = await startEmbedWorld();
    const embedder = await world.startEmbedder({
      EMBED_BREAKER_VOLUME: '3',
      EMBED_BATCH_CHUNKS: '2',
      EMBED_BREAKER_RESET_MS: '3000',
    });
    world.demo.setEmbeddingsDown(true);
    await world.publish(...sources('down', 10, 2));
    await waitFor(async () => (await embedder.metric('tributary_embed_circuit_state')) === 2, {
      timeoutMs: 30_000,
      what: 'the breaker to open',
    });
    const whileOpen = (await world.stats()).requests;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Open: messages wait without calling the endpoint.
    expect((await world.stats()).requests).toBe(whileOpen);
    world.demo.setEmbeddingsDown(false);
    await world.writer.waitForDocuments(20, 60_000);
    expect(await takeAll(world.writer.broker.amqpUrl, 'embed.dead')).toEqual([]);
  });

  it("dead-letters a source whose chunk the endpoint refuses for good, with the endpoint's message, and stores its siblings", async () => {
    world = await startEmbedWorld();
    await world.startEmbedder({ EMBED_BATCH_CHUNKS: '8', EMBED_BATCH_MAX_MS: '200' });
    const refused = documentsMessage('refused', 2, {
      text: (chunk) =>
        chunk === 1 ? `an input the endpoint refuses: ${EMBEDDING_REFUSE_MARKER}` : 'a fine chunk',
    });
    const siblings = sources('sibling', 3, 2);
    await world.publish(refused, ...siblings);
    await world.writer.waitForDocuments(6);
    let dead: TakenMessage<StoreMessage>[] = [];
    await waitFor(
      async () => {
        dead = [...dead, ...(await takeAll<StoreMessage>(world?.writer.broker.amqpUrl ?? '', 'embed.dead'))];
        return dead.length === 1;
      },
      { timeoutMs: 30_000 },
    );
    expect(dead[0]?.body.source.jobId).toBe('refused');
    expect(dead[0]?.headers[HEADERS.errorReason]).toBe('embedding-refused');
    expect(String(dead[0]?.headers[HEADERS.errorMessage])).toContain('refused');
    expect(await world.writer.documents.countDocuments({ jobId: 'refused' })).toBe(0);
  });
});
