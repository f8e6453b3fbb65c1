import { createLogger } from '@tributary/core';
import type { Delivery } from '@tributary/messaging';
import { describe, expect, it, vi } from 'vitest';
import { deadLetterRecorder } from './dead-letter-records.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

function delivery(routingKey: string, headers: Record<string, unknown>): Delivery {
  return {
    stage: 'store',
    messageId: 'm',
    attempt: 1,
    traceparent: '',
    traceId: undefined,
    redelivered: false,
    routingKey,
    headers,
    logger,
  };
}

function recorder(recordDead = vi.fn(async () => {}), stopping = new AbortController().signal) {
  return {
    handle: deadLetterRecorder({ records: { recordDead }, logger, retry: { baseMs: 1, maxMs: 2 }, stopping }),
    recordDead,
  };
}

describe('dead letters recorded in their batches', () => {
  it('records the job of a dead letter with its stage and reason', async () => {
    const { handle, recordDead } = recorder();
    const body = Buffer.from(JSON.stringify({ jobId: 'j1', batch: 'b', url: 'https://a.test/' }));
    expect(
      await handle(
        body,
        delivery('transform', { 'x-error-reason': 'transform-error', 'x-failed-stage': 'transform' }),
      ),
    ).toEqual({
      kind: 'done',
    });
    expect(recordDead).toHaveBeenCalledWith({
      jobId: 'j1',
      batch: 'b',
      stage: 'transform',
      reason: 'transform-error',
    });
  });

  it('records one the broker dead-lettered itself, by its routing key and x-death', async () => {
    const { handle, recordDead } = recorder();
    const body = Buffer.from(JSON.stringify({ id: 'j2', url: 'https://a.test/', batch: 'b' }));
    await handle(body, delivery('fetch', { 'x-death': [{ reason: 'delivery_limit' }] }));
    expect(recordDead).toHaveBeenCalledWith({
      jobId: 'j2',
      batch: 'b',
      stage: 'fetch',
      reason: 'delivery-limit',
    });
  });

  it('acks what names no batch, and what is not JSON, recording nothing', async () => {
    const { handle, recordDead } = recorder();
    expect(await handle(Buffer.from('garbage'), delivery('fetch', {}))).toEqual({ kind: 'done' });
    expect(await handle(Buffer.from('{"id":"j","url":"https://a.test/"}'), delivery('fetch', {}))).toEqual({
      kind: 'done',
    });
    expect(recordDead).not.toHaveBeenCalled();
  });

  it('waits out a failing database, and hands the message back when the writer stops', async () => {
    const stop = new AbortController();
    let calls = 0;
    const recordDead = vi.fn(async () => {
      calls++;
      if (calls === 3) stop.abort();
      throw Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' });
    });
    const { handle } = recorder(recordDead, stop.signal);
    const body = Buffer.from(JSON.stringify({ jobId: 'j1', batch: 'b' }));
    expect(await handle(body, delivery('transform', {}))).toEqual({ kind: 'requeue' });
    expect(calls).toBe(3);
  });
});
