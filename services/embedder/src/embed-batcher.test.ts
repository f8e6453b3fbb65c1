import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbedBatcher, type EmbedItem } from './embed-batcher.ts';
import { EmbeddingRefusedError, EmbeddingTooLargeError, EmbeddingUnavailableError } from './errors.ts';

/** A vector that says which text it is for, so that a test sees each caller got its own, in order. */
const vectorOf = (text: string) => [text.length, text.charCodeAt(0)];

function items(...texts: string[]): EmbedItem[] {
  return texts.map((text) => ({ text, tokens: text.length }));
}

/** A `send` that records each request and answers by `answer`, vectors by default. */
function endpoint(answer: (texts: string[]) => Error | undefined = () => undefined) {
  const requests: string[][] = [];
  const send = async (texts: string[]) => {
    requests.push(texts);
    const err = answer(texts);
    if (err) throw err;
    return texts.map(vectorOf);
  };
  return { requests, send };
}

describe('EmbedBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("packs several callers' chunks into one request within the linger, each caller getting its own vectors", async () => {
    const { requests, send } = endpoint();
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 50 }, { send });
    const a = batcher.embed(items('aa', 'bbb'));
    const b = batcher.embed(items('c'));
    expect(requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(requests).toEqual([['aa', 'bbb', 'c']]);
    expect(await a).toEqual([vectorOf('aa'), vectorOf('bbb')]);
    expect(await b).toEqual([vectorOf('c')]);
  });

  it('sends as soon as a request is full, and never more chunks or tokens in one than allowed', async () => {
    const { requests, send } = endpoint();
    const batcher = new EmbedBatcher({ maxInputs: 3, maxTokens: 6, lingerMs: 10_000 }, { send });
    const done = Promise.all([batcher.embed(items('aa', 'bb')), batcher.embed(items('cc', 'dd', 'e'))]);
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toEqual([
      ['aa', 'bb', 'cc'],
      ['dd', 'e'],
    ]);
    await done;
  });

  it('splits a request the endpoint finds too large, down to one chunk, which alone fails its caller', async () => {
    const { requests, send } = endpoint((texts) =>
      texts.length > 2 || texts.includes('huge')
        ? new EmbeddingTooLargeError(413, 'too many tokens')
        : undefined,
    );
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 0 }, { send });
    const fine = batcher.embed(items('a', 'b', 'c', 'd'));
    const huge = batcher.embed(items('huge'));
    const hugeFailed = expect(huge).rejects.toBeInstanceOf(EmbeddingTooLargeError);
    await vi.advanceTimersByTimeAsync(0);
    expect(await fine).toEqual(['a', 'b', 'c', 'd'].map(vectorOf));
    await hugeFailed;
    expect(requests.every((texts) => texts.length <= 5)).toBe(true);
    expect(requests.at(-1)).toEqual(['huge']);
  });

  it("fails only the caller whose chunk the endpoint refuses for good; the others' chunks are sent again", async () => {
    const { send } = endpoint((texts) => {
      const index = texts.indexOf('DEMO-REFUSE');
      return index === -1 ? undefined : new EmbeddingRefusedError(400, `input ${index} is refused`, index);
    });
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 0 }, { send });
    const a = batcher.embed(items('a1', 'a2'));
    const refused = batcher.embed(items('b1', 'DEMO-REFUSE'));
    const c = batcher.embed(items('c1'));
    const refusedFailed = expect(refused).rejects.toBeInstanceOf(EmbeddingRefusedError);
    await vi.advanceTimersByTimeAsync(0);
    expect(await a).toEqual([vectorOf('a1'), vectorOf('a2')]);
    expect(await c).toEqual([vectorOf('c1')]);
    await refusedFailed;
  });

  it('sends each caller apart when the endpoint refuses without naming the input', async () => {
    const { requests, send } = endpoint((texts) =>
      texts.includes('bad') ? new EmbeddingRefusedError(400, 'invalid input') : undefined,
    );
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 0 }, { send });
    const good = batcher.embed(items('good'));
    const bad = batcher.embed(items('bad'));
    const badFailed = expect(bad).rejects.toBeInstanceOf(EmbeddingRefusedError);
    await vi.advanceTimersByTimeAsync(0);
    expect(await good).toEqual([vectorOf('good')]);
    await badFailed;
    expect(requests).toEqual([['good', 'bad'], ['good'], ['bad']]);
  });

  it('fails every caller of a request the endpoint could not answer, for their messages to be retried', async () => {
    const { send } = endpoint(() => new EmbeddingUnavailableError('503'));
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 0 }, { send });
    const a = batcher.embed(items('a'));
    const b = batcher.embed(items('b'));
    const failed = Promise.all([
      expect(a).rejects.toBeInstanceOf(EmbeddingUnavailableError),
      expect(b).rejects.toBeInstanceOf(EmbeddingUnavailableError),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    await failed;
  });

  it('sends what waits at once when flushed (the embedder stopping)', async () => {
    const { requests, send } = endpoint();
    const batcher = new EmbedBatcher({ maxInputs: 10, maxTokens: 1_000, lingerMs: 60_000 }, { send });
    const a = batcher.embed(items('a'));
    expect(batcher.waiting).toBe(1);
    batcher.flush();
    expect(await a).toEqual([vectorOf('a')]);
    expect(requests).toEqual([['a']]);
    expect(batcher.waiting).toBe(0);
  });
});
