// The transform thread of a worker process: runs records through the transform, one at a time, off the event
// loop that holds the broker connection, so that a long synchronous transform never stops heartbeats.
// Started by TransformRunner with a ThreadSetup as workerData; speaks thread-protocol.ts.
import { parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import { createLogger } from '@tributary/core';
import {
  defaultTransform,
  getTokenizer,
  loadTransform,
  runTransform,
  type Transform,
} from '@tributary/transform';
import { encodeStoreMessage } from './encoded-store-message.ts';
import { type FromThread, serializeError, type ThreadSetup, type ToThread } from './thread-protocol.ts';

const port = parentPort;
if (port === null)
  throw new Error('transform-thread.ts runs as a worker thread (new Worker), not on its own');
const setup = workerData as ThreadSetup;
const logger = createLogger({ service: 'transformer', level: setup.logLevel }).child({
  ...setup.logBindings,
  thread: 'transform',
});
const post = (message: FromThread, transfer?: readonly TransferListItem[]) =>
  port.postMessage(message, transfer);
const running = new Map<number, AbortController>();

let transform: Transform;
try {
  transform = setup.module === '' ? defaultTransform : await loadTransform(setup.module);
  // Build the tokenizer now (about 0.1 s), not during the first record.
  getTokenizer();
} catch (error) {
  post({ type: 'failed-to-start', error: serializeError(error) });
  throw error;
}

port.on('message', (message: ToThread) => {
  if (message.type === 'abort') {
    running.get(message.id)?.abort();
    return;
  }
  void run(message.id, message.record);
});
post({ type: 'ready' });

async function run(id: number, record: Extract<ToThread, { type: 'run' }>['record']): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  const started = performance.now();
  try {
    const message = await runTransform(transform, record, {
      config: setup.config,
      logger: logger.child({ jobId: record.jobId }),
      signal: controller.signal,
    });
    // Taken before encoding: it is the transform's own time (tributary_transform_duration_seconds).
    const durationMs = performance.now() - started;
    const { body, documentCount } = encodeStoreMessage(message);
    post({ type: 'done', id, body, documentCount, durationMs }, [body.buffer]);
  } catch (error) {
    post({ type: 'failed', id, error: serializeError(error), durationMs: performance.now() - started });
  } finally {
    running.delete(id);
  }
}
