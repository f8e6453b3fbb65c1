import { Worker } from 'node:worker_threads';
import type { RawRecord } from '@tributary/contracts';
import type { Logger } from '@tributary/core';
import { ShuttingDownError } from '@tributary/messaging';
import { asBuffer, type EncodedStoreMessage } from './encoded-store-message.ts';
import { TransformThreadError, TransformTimeoutError } from './errors.ts';
import {
  deserializeError,
  type FromThread,
  isFromThread,
  type ThreadSetup,
  type ToThread,
} from './thread-protocol.ts';

export interface TransformRunnerOptions {
  readonly setup: ThreadSetup;
  /** A record's transform is aborted after this long and its thread replaced if it does not stop. */
  readonly timeoutMs: number;
  /** The thread's V8 heap limit: a transform that needs more kills its thread (a retryable failure), not the process. */
  readonly maxHeapMb?: number;
  /** How long an aborted transform has to stop before its thread is terminated. */
  readonly abortGraceMs?: number;
  readonly logger: Logger;
  /** Called when the thread is replaced, with why. */
  readonly onThreadReplaced?: (reason: 'crashed' | 'timeout') => void;
  /**
   * Called when a replacement thread cannot start (the transform module no longer loads): the runner is closed
   * and the worker should stop, so that the primary's restart policy takes over.
   */
  readonly onFatal?: (error: Error) => void;
}

export interface TransformOutput {
  /** The record's StoreMessage, encoded in the thread, ready to publish. */
  readonly message: EncodedStoreMessage;
  /** Time the transform took in its thread, queueing excluded. */
  readonly durationMs: number;
}

type RunnerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

interface Task {
  readonly id: number;
  readonly record: RawRecord;
  readonly resolve: (output: TransformOutput) => void;
  readonly reject: (error: Error) => void;
  /** Set once the task's promise is settled (by timeout) while the thread may still be busy with it. */
  settled: boolean;
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
}

const THREAD_URL = new URL('./transform-thread.ts', import.meta.url);

/**
 * Runs transforms in a worker thread of their own, one record at a time, in the order they were asked for, so
 * the event loop of the caller (the broker connection, its heartbeats, acks and confirms) is never blocked by a
 * transform, however long and synchronous it is.
 *
 * A transform that runs past `timeoutMs` fails with `TransformTimeoutError` (retryable): its `signal` is aborted,
 * and if it has not returned `abortGraceMs` later the thread is terminated and replaced. A thread that dies fails
 * its current record with `TransformThreadError` (retryable) and is replaced; queued records wait for the new one.
 */
export class TransformRunner {
  readonly #options: TransformRunnerOptions;
  #state: RunnerState = 'idle';
  #thread: Worker | undefined;
  #threadReady = false;
  readonly #queue: Task[] = [];
  #current: Task | undefined;
  #nextId = 1;
  /** Threads this runner terminated on purpose, whose exit is not a crash. */
  readonly #retired = new WeakSet<Worker>();

  constructor(options: TransformRunnerOptions) {
    this.#options = options;
  }

  get state(): RunnerState {
    return this.#state;
  }

  /** Starts the thread and waits until its transform is loaded; rejects with the reason it could not. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') return;
    this.#state = 'starting';
    try {
      await this.#spawn();
    } catch (error) {
      this.#state = 'stopped';
      throw error;
    }
    this.#state = 'running';
    this.#pump();
  }

  /**
   * The StoreMessage for `record`, from the transform thread, encoded there. Once the runner is closing it
   * refuses the record with `ShuttingDownError`: the record is handed back untried, and no attempt is spent on it.
   */
  run(record: RawRecord): Promise<TransformOutput> {
    if (this.#state !== 'running') return Promise.reject(runnerClosed());
    const { promise, resolve, reject } = Promise.withResolvers<TransformOutput>();
    this.#queue.push({ id: this.#nextId++, record, resolve, reject, settled: false });
    this.#pump();
    return promise;
  }

  /**
   * Hands back what is still queued or running (`ShuttingDownError`: it goes back to the broker without spending
   * an attempt), lets nothing new in, and ends the thread.
   */
  async close(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#state = 'stopping';
    for (const task of this.#queue.splice(0)) task.reject(runnerClosed());
    const current = this.#current;
    if (current !== undefined) this.#settle(current, { error: runnerClosed() });
    this.#current = undefined;
    const thread = this.#thread;
    this.#thread = undefined;
    if (thread !== undefined) {
      this.#retired.add(thread);
      await thread.terminate();
    }
    this.#state = 'stopped';
  }

  #spawn(): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const thread = new Worker(THREAD_URL, {
      workerData: this.#options.setup,
      name: 'transform',
      ...(this.#options.maxHeapMb === undefined
        ? {}
        : { resourceLimits: { maxOldGenerationSizeMb: this.#options.maxHeapMb } }),
    });
    this.#thread = thread;
    this.#threadReady = false;
    let startError: Error | undefined;
    let started = false;
    thread.on('message', (message: unknown) => {
      if (!isFromThread(message) || thread !== this.#thread) return;
      if (message.type === 'ready') {
        started = true;
        this.#threadReady = true;
        resolve();
        this.#pump();
      } else if (message.type === 'failed-to-start') {
        startError = deserializeError(message.error);
      } else {
        this.#onResult(message);
      }
    });
    thread.on('error', (error) => {
      if (!started) startError ??= error;
      else if (thread === this.#thread) this.#onThreadDied(error);
    });
    thread.on('exit', (code) => {
      if (!started) {
        reject(startError ?? new Error(`the transform thread exited with code ${code} before it was ready`));
        return;
      }
      if (this.#retired.has(thread) || thread !== this.#thread) return;
      this.#onThreadDied(new Error(`the transform thread exited with code ${code}`));
    });
    return promise;
  }

  #pump(): void {
    if (this.#state !== 'running' || !this.#threadReady || this.#current !== undefined) return;
    const task = this.#queue.shift();
    const thread = this.#thread;
    if (task === undefined || thread === undefined) return;
    this.#current = task;
    task.timer = setTimeout(() => this.#onTimeout(task), this.#options.timeoutMs);
    thread.postMessage({ type: 'run', id: task.id, record: task.record } satisfies ToThread);
  }

  #onResult(message: Extract<FromThread, { type: 'done' | 'failed' }>): void {
    const task = this.#current;
    if (task === undefined || task.id !== message.id) return;
    this.#current = undefined;
    if (message.type === 'done') {
      const { body, documentCount, durationMs } = message;
      this.#settle(task, { output: { message: { body: asBuffer(body), documentCount }, durationMs } });
    } else {
      this.#settle(task, { error: deserializeError(message.error) });
    }
    this.#pump();
  }

  #onTimeout(task: Task): void {
    const { timeoutMs, abortGraceMs = 1_000, logger } = this.#options;
    this.#settle(task, { error: new TransformTimeoutError(timeoutMs) });
    logger.warn({ jobId: task.record.jobId, timeoutMs }, 'transform timed out; aborting it');
    this.#thread?.postMessage({ type: 'abort', id: task.id } satisfies ToThread);
    // The thread stays busy with the task until it answers; if it does not, it is replaced.
    task.killTimer = setTimeout(() => {
      if (this.#current !== task) return;
      logger.warn(
        { jobId: task.record.jobId },
        'transform did not stop after its abort; replacing the thread',
      );
      this.#replaceThread('timeout');
    }, abortGraceMs);
  }

  #onThreadDied(error: Error): void {
    if (this.#state !== 'running') return;
    this.#options.logger.error({ err: error }, 'transform thread died; replacing it');
    const task = this.#current;
    if (task !== undefined) {
      this.#settle(task, {
        error: new TransformThreadError(`the transform thread died: ${error.message}`, { cause: error }),
      });
    }
    this.#replaceThread('crashed');
  }

  #replaceThread(reason: 'crashed' | 'timeout'): void {
    const old = this.#thread;
    if (old !== undefined) {
      this.#retired.add(old);
      void old.terminate();
    }
    const task = this.#current;
    if (task !== undefined)
      this.#settle(task, { error: new TransformThreadError('the transform thread was replaced') });
    this.#current = undefined;
    this.#thread = undefined;
    this.#threadReady = false;
    this.#options.onThreadReplaced?.(reason);
    if (this.#state !== 'running') return;
    this.#spawn().catch((error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#options.logger.fatal({ err }, 'a replacement transform thread could not start');
      void this.close();
      this.#options.onFatal?.(err);
    });
  }

  #settle(task: Task, result: { output: TransformOutput } | { error: Error }): void {
    clearTimeout(task.timer);
    if ('output' in result) clearTimeout(task.killTimer);
    if (task.settled) {
      clearTimeout(task.killTimer);
      return;
    }
    task.settled = true;
    if ('output' in result) task.resolve(result.output);
    else task.reject(result.error);
  }
}

function runnerClosed(): ShuttingDownError {
  return new ShuttingDownError('the transform runner is closed; the record was handed back untransformed');
}
