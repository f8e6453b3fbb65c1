import type { StoreMessage } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { HandlerError } from '@tributary/messaging';
import { MongoNetworkError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { Verdict } from './bulk-plan.ts';
import { StoreUnavailableError } from './errors.ts';
import type { BatchReport, BatchStore } from './store.ts';
import { Writer } from './writer.ts';

const logger = createLogger({ service: 'writer-test', level: 'silent' });

function touch(jobId: string): StoreMessage {
  return {
    kind: 'not-modified',
    source: { jobId, url: `https://example.com/${jobId}`, fetchedAt: '2026-01-01T00:00:00.000Z' },
  };
}

function report(results: Verdict[]): BatchReport {
  return {
    results,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    staleChunksDeleted: 0,
    sourcesWritten: 0,
    sourcesTouched: results.length,
  };
}

const unreachable = () =>
  new StoreUnavailableError('unreachable', { cause: new MongoNetworkError('ECONNREFUSED') });

/** A store that fails its first `failures` writes, then answers with `answer`. */
function flakyStore(failures: number, answer: (messages: readonly StoreMessage[]) => Verdict[]) {
  const calls: number[] = [];
  const store: BatchStore = {
    async write(messages) {
      calls.push(messages.length);
      if (calls.length <= failures) throw unreachable();
      return report(answer(messages));
    },
  };
  return { store, calls };
}

const options = { batchSize: 2, batchMaxMs: 10, retryBaseMs: 5, retryMaxMs: 20 };

describe('Writer', () => {
  it('writes a batch again while the database fails, then settles each message', async () => {
    const { store, calls } = flakyStore(3, (messages) => messages.map(() => ({ kind: 'touch' })));
    const writer = new Writer(options, { store, logger });
    const outcomes = Promise.all([writer.handle(touch('a')), writer.handle(touch('b'))]);
    await expect(outcomes).resolves.toEqual([{ kind: 'done' }, { kind: 'done' }]);
    expect(calls).toEqual([2, 2, 2, 2]);
    expect(writer.failing).toBeUndefined();
  });

  it('reports the database as failing while a batch is retried', async () => {
    let fail = true;
    const store: BatchStore = {
      async write(messages) {
        if (fail) throw unreachable();
        return report(messages.map(() => ({ kind: 'touch' })));
      },
    };
    const writer = new Writer(options, { store, logger });
    const pending = writer.handle(touch('a'));
    await expect.poll(() => writer.failing).toBe('unreachable');
    fail = false;
    await expect(pending).resolves.toEqual({ kind: 'done' });
    expect(writer.failing).toBeUndefined();
  });

  it('dead-letters a refused message with its reason and the driver’s words, and settles the others', async () => {
    const { store } = flakyStore(0, (messages) =>
      messages.map((message) =>
        message.source.jobId === 'bad'
          ? { kind: 'dead', reason: 'document-refused', message: 'invalid key: "$x"' }
          : { kind: 'touch' },
      ),
    );
    const writer = new Writer(options, { store, logger });
    const [good, bad] = await Promise.all([writer.handle(touch('good')), writer.handle(touch('bad'))]);
    expect(good).toEqual({ kind: 'done' });
    expect(bad).toEqual({ kind: 'dead', reason: 'document-refused', message: 'invalid key: "$x"' });
  });

  it('hands a batch the database keeps refusing back at the shutdown deadline, as a retryable failure', async () => {
    const { store } = flakyStore(Number.POSITIVE_INFINITY, () => []);
    const writer = new Writer({ ...options, batchMaxMs: 60_000 }, { store, logger });
    const pending = writer.handle(touch('a'));
    const started = performance.now();
    const drained = writer.drain(300);
    const error = await pending.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ reason: 'database-unavailable', retryable: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await drained;
  });

  it('fails the messages of a batch at once on an error that is not the database’s', async () => {
    let calls = 0;
    const store: BatchStore = {
      async write() {
        calls++;
        throw new TypeError('a bug');
      },
    };
    const writer = new Writer(options, { store, logger });
    await expect(writer.handle(touch('a'))).rejects.toThrow('a bug');
    expect(calls).toBe(1);
  });
});
