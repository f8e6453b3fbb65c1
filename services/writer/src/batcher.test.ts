import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from './batcher.ts';

/** A flush that records its batches and resolves when the test says so. */
function recordingFlush() {
  const batches: string[][] = [];
  const releases: (() => void)[] = [];
  let holding = false;
  const flush = async (items: readonly string[]) => {
    batches.push([...items]);
    if (holding) await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((item) => `wrote ${item}`);
  };
  return {
    batches,
    flush,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const release of releases.splice(0)) release();
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('flushes as soon as the pending weight reaches maxSize, without waiting for the age', async () => {
    const recorder = recordingFlush();
    const batcher = new Batcher<string, string>({ maxSize: 3, maxAgeMs: 60_000, flush: recorder.flush });
    const results = ['a', 'b', 'c'].map((item) => batcher.add(item));
    await expect(Promise.all(results)).resolves.toEqual(['wrote a', 'wrote b', 'wrote c']);
    expect(recorder.batches).toEqual([['a', 'b', 'c']]);
  });

  it('flushes a partial batch once its oldest item is maxAgeMs old, not before', async () => {
    const recorder = recordingFlush();
    const batcher = new Batcher<string, string>({ maxSize: 100, maxAgeMs: 200, flush: recorder.flush });
    const first = batcher.add('a');
    await vi.advanceTimersByTimeAsync(150);
    const second = batcher.add('b');
    expect(recorder.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(49);
    expect(recorder.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(recorder.batches).toEqual([['a', 'b']]);
    await expect(Promise.all([first, second])).resolves.toEqual(['wrote a', 'wrote b']);
  });

  it('counts weight, never splits an item, and sends an item heavier than maxSize alone', async () => {
    const recorder = recordingFlush();
    const weights: Record<string, number> = { a: 2, b: 2, big: 9, c: 1 };
    const batcher = new Batcher<string, string>({
      maxSize: 4,
      maxAgeMs: 1_000,
      weigh: (item) => weights[item] ?? 1,
      flush: recorder.flush,
    });
    recorder.hold();
    const all = ['a', 'b', 'big', 'c'].map((item) => batcher.add(item));
    // a+b reached 4 and went at once; what arrived during that flush waits for it.
    expect(recorder.batches).toEqual([['a', 'b']]);
    expect(batcher.pendingWeight).toBe(10);
    recorder.release();
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(recorder.batches).toEqual([['a', 'b'], ['big'], ['c']]);
  });

  it('runs one flush at a time and starts the next at once when it is already due', async () => {
    const recorder = recordingFlush();
    let running = 0;
    let most = 0;
    const batcher = new Batcher<string, string>({
      maxSize: 2,
      maxAgeMs: 50,
      flush: async (items) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running--;
        return recorder.flush(items);
      },
    });
    const all = ['a', 'b', 'c', 'd', 'e'].map((item) => batcher.add(item));
    await vi.advanceTimersByTimeAsync(100);
    expect(recorder.batches).toEqual([['a', 'b']]);
    await vi.advanceTimersByTimeAsync(100);
    expect(recorder.batches).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    // 'e' waited 200 ms, past its age: it goes right after.
    await vi.advanceTimersByTimeAsync(100);
    expect(recorder.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    await Promise.all(all);
    expect(most).toBe(1);
  });

  it('fails every item of a batch whose flush rejects, and only those', async () => {
    let calls = 0;
    const batcher = new Batcher<string, string>({
      maxSize: 2,
      maxAgeMs: 10,
      flush: async (items) => {
        calls++;
        if (calls === 1) throw new Error('database on fire');
        return items.map((item) => `wrote ${item}`);
      },
    });
    const a = batcher.add('a');
    const b = batcher.add('b');
    const c = batcher.add('c');
    await expect(a).rejects.toThrow('database on fire');
    await expect(b).rejects.toThrow('database on fire');
    await vi.advanceTimersByTimeAsync(10);
    await expect(c).resolves.toBe('wrote c');
  });

  it('drain() flushes the partial batch at once and every later item without waiting', async () => {
    const recorder = recordingFlush();
    const batcher = new Batcher<string, string>({ maxSize: 100, maxAgeMs: 60_000, flush: recorder.flush });
    const a = batcher.add('a');
    const drained = batcher.drain();
    await expect(a).resolves.toBe('wrote a');
    await drained;
    expect(batcher.isIdle).toBe(true);
    const late = batcher.add('late');
    await vi.advanceTimersByTimeAsync(0);
    await expect(late).resolves.toBe('wrote late');
    expect(recorder.batches).toEqual([['a'], ['late']]);
    await expect(batcher.drain()).resolves.toBeUndefined();
  });

  it('drain() waits for the flush in progress', async () => {
    const recorder = recordingFlush();
    const batcher = new Batcher<string, string>({ maxSize: 1, maxAgeMs: 60_000, flush: recorder.flush });
    recorder.hold();
    const a = batcher.add('a');
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    recorder.release();
    await draining;
    await expect(a).resolves.toBe('wrote a');
  });

  it('rejects a flush that answers the wrong number of results', async () => {
    const batcher = new Batcher<string, string>({ maxSize: 2, maxAgeMs: 1_000, flush: async () => ['one'] });
    const a = batcher.add('a');
    const b = batcher.add('b');
    await expect(a).rejects.toThrow('flush answered 1 results for a batch of');
    await expect(b).rejects.toThrow();
  });
});
