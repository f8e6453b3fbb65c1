import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RawRecord, StoreMessage } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { decideAfterFailure, ShuttingDownError } from '@tributary/messaging';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TransformThreadError, TransformTimeoutError } from './errors.ts';
import { TransformRunner, type TransformRunnerOptions } from './transform-runner.ts';

// A plugin that does what a record's meta says, in the real transform thread.
const dir = mkdtempSync(join(tmpdir(), 'tributary-runner-'));
const plugin = join(dir, 'scripted.mjs');
writeFileSync(
  plugin,
  `
export default async function transform(record, context) {
  const s = record.meta ?? {};
  if (s.burnMs) { const until = performance.now() + s.burnMs; while (performance.now() < until); }
  if (s.waitMs) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, s.waitMs);
      context.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
    });
  }
  if (s.crash) { setTimeout(() => { throw new Error('crashed on purpose'); }); await new Promise(() => {}); }
  if (s.hog) { const hoard = []; for (;;) hoard.push(new Array(1e6).fill(hoard.length)); }
  if (s.fail) throw Object.assign(new Error(s.fail), { reason: 'scripted', retryable: false });
  return { chunks: [{ text: 'job ' + record.jobId }] };
}
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runners: TransformRunner[] = [];
afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.close();
});

function startRunner(options: Partial<TransformRunnerOptions> = {}): {
  runner: TransformRunner;
  replaced: string[];
} {
  const replaced: string[] = [];
  const runner = new TransformRunner({
    setup: {
      module: pathToFileURL(plugin).href,
      config: { chunking: { targetTokens: 50, overlapTokens: 0 } },
      logLevel: 'silent',
      logBindings: {},
    },
    timeoutMs: 5_000,
    logger: createLogger({ service: 'runner-test', level: 'silent' }),
    onThreadReplaced: (reason) => replaced.push(reason),
    ...options,
  });
  runners.push(runner);
  return { runner, replaced };
}

function record(jobId: string, meta: Record<string, unknown> = {}): RawRecord {
  return {
    jobId,
    url: 'https://x.example/',
    finalUrl: 'https://x.example/',
    status: 200,
    contentType: 'text/plain',
    fetchedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    bytes: 2,
    body: 'hi',
    bodyEncoding: 'utf8',
    meta,
  };
}

type Output = Awaited<ReturnType<TransformRunner['run']>>;
/** The StoreMessage as the writer will read it from store.docs. */
const decoded = (output: Output) => JSON.parse(output.message.body.toString('utf8')) as StoreMessage;
const textOf = (output: Output) => {
  const message = decoded(output);
  return message.kind === 'documents' ? message.documents[0]?.text : undefined;
};

describe('TransformRunner', () => {
  it('runs records in the thread, in order, and reports each one’s transform time', async () => {
    const { runner } = startRunner();
    await runner.start();
    const outputs = await Promise.all(['a', 'b', 'c'].map((id) => runner.run(record(id, { burnMs: 20 }))));
    expect(outputs.map(textOf)).toEqual(['job a', 'job b', 'job c']);
    for (const output of outputs) expect(output.durationMs).toBeGreaterThanOrEqual(19);
  });

  it('hands the StoreMessage over as the bytes the publisher would make of it, with its document count', async () => {
    const { runner } = startRunner();
    await runner.start();
    const output = await runner.run(record('bytes', { note: 'café ✓' }));
    const message = decoded(output);
    expect(message).toMatchObject({ kind: 'documents', source: { jobId: 'bytes', chunkCount: 1 } });
    expect(output.message.documentCount).toBe(1);
    expect(output.message.body.equals(Buffer.from(JSON.stringify(message)))).toBe(true);
    // The thread gave the bytes up (transferred, not copied): they own their memory here.
    expect(output.message.body.buffer.byteLength).toBe(output.message.body.byteLength);
  });

  it('keeps the caller’s event loop free while a transform burns the CPU synchronously', async () => {
    const { runner } = startRunner();
    await runner.start();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = performance.now();
    await runner.run(record('busy', { burnMs: 600 }));
    clearInterval(ticker);
    // A blocked loop would tick once or not at all; a free one about every 20 ms.
    expect(ticks).toBeGreaterThan((performance.now() - started) / 20 / 3);
  });

  it('passes a transform’s failure on with its reason and retryability, and goes on with the next record', async () => {
    const { runner } = startRunner();
    await runner.start();
    const failure = runner.run(record('bad', { fail: 'cannot read it' }));
    const next = runner.run(record('good'));
    await expect(failure).rejects.toMatchObject({
      message: 'cannot read it',
      reason: 'scripted',
      retryable: false,
    });
    expect(textOf(await next)).toBe('job good');
  });

  it('aborts an asynchronous transform at the timeout, keeping its thread', async () => {
    const { runner, replaced } = startRunner({ timeoutMs: 100 });
    await runner.start();
    await expect(runner.run(record('slow', { waitMs: 10_000 }))).rejects.toBeInstanceOf(
      TransformTimeoutError,
    );
    expect(textOf(await runner.run(record('next')))).toBe('job next');
    expect(replaced).toEqual([]);
  });

  it('replaces the thread of a synchronous transform that ignores its abort, and runs the queue on the new one', async () => {
    const { runner, replaced } = startRunner({ timeoutMs: 100, abortGraceMs: 100 });
    await runner.start();
    const stuck = runner.run(record('stuck', { burnMs: 60_000 }));
    const next = runner.run(record('next'));
    await expect(stuck).rejects.toMatchObject({ reason: 'transform-timeout', retryable: true });
    expect(textOf(await next)).toBe('job next');
    expect(replaced).toEqual(['timeout']);
  });

  it('fails the record of a thread that crashes, retryably, and replaces the thread', async () => {
    const { runner, replaced } = startRunner();
    await runner.start();
    const crashed = runner.run(record('crash', { crash: true }));
    await expect(crashed).rejects.toBeInstanceOf(TransformThreadError);
    await expect(crashed).rejects.toMatchObject({ reason: 'transform-thread-crashed', retryable: true });
    expect(textOf(await runner.run(record('after')))).toBe('job after');
    expect(replaced).toEqual(['crashed']);
  });

  it('fails the record of a transform that exhausts the thread’s heap, and the process lives on', async () => {
    const { runner, replaced } = startRunner({ maxHeapMb: 64 });
    await runner.start();
    await expect(runner.run(record('hog', { hog: true }))).rejects.toMatchObject({
      reason: 'transform-thread-crashed',
      message: expect.stringMatching(/memory/i),
    });
    expect(textOf(await runner.run(record('after')))).toBe('job after');
    expect(replaced).toEqual(['crashed']);
  });

  it('fails to start with the module’s own error', async () => {
    const { runner } = startRunner({
      setup: {
        module: pathToFileURL(join(dir, 'missing.mjs')).href,
        config: { chunking: { targetTokens: 50, overlapTokens: 0 } },
        logLevel: 'silent',
        logBindings: {},
      },
    });
    await expect(runner.start()).rejects.toMatchObject({ reason: 'invalid-transform-module' });
    expect(runner.state).toBe('stopped');
  });

  it('hands back the records it holds when closed, and refuses new ones, as shutting down', async () => {
    const { runner } = startRunner();
    await runner.start();
    const running = expect(runner.run(record('running', { burnMs: 300 }))).rejects.toBeInstanceOf(
      ShuttingDownError,
    );
    const waiting = expect(runner.run(record('waiting'))).rejects.toBeInstanceOf(ShuttingDownError);
    await runner.close();
    await running;
    await waiting;
    await expect(runner.run(record('late'))).rejects.toMatchObject({
      name: 'ShuttingDownError',
      reason: 'shutting-down',
      retryable: true,
    });
  });

  it('hands records back in a shape the consumer defers without spending an attempt', async () => {
    const { runner } = startRunner();
    await runner.start();
    await runner.close();
    const refused = await runner.run(record('late')).catch((error: unknown) => error);
    const policy = { maxAttempts: 3, backoff: { baseMs: 1_000, maxMs: 60_000 } };
    expect(decideAfterFailure(refused, 3, policy)).toEqual({
      kind: 'defer',
      reason: 'shutting-down',
      delayMs: 0,
    });
  });
});
