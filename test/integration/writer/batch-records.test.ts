import { BATCH_COLLECTIONS, type BatchJobRecord, batchJobId } from '@tributary/contracts';
import type { CommandStartedEvent } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseEndpoint } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import { documentsMessage, startWriterWorld, type WriterWorld } from './harness.ts';

let world: WriterWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const JOBS = 20;
const BATCH = 'redelivered';

/** A writer whose MongoDB client reports every command it sends, and the batch-record commands it sent. */
async function startMonitored(): Promise<{ w: WriterWorld; commands: () => string[] }> {
  const url = new URL((await databaseEndpoint()).mongoUrl);
  url.searchParams.set('monitorCommands', 'true');
  // One flush per pass: the batch fills with the JOBS one-chunk messages, or waits long for them.
  const w = await startWriterWorld({
    env: { MONGO_URL: url.toString(), WRITE_BATCH_SIZE: String(JOBS), WRITE_BATCH_MAX_MS: '10000' },
  });
  world = w;
  const seen: string[] = [];
  w.service.store.db.client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.command[event.commandName] === BATCH_COLLECTIONS.jobs) seen.push(event.commandName);
  });
  return { w, commands: () => seen.splice(0) };
}

describe('batch records of redelivered messages', () => {
  it('records each job once, replaces only a dead record, and reads the jobs recorded before in one query instead of updating each', async () => {
    const { w, commands } = await startMonitored();
    const jobs = w.db.collection<BatchJobRecord>(BATCH_COLLECTIONS.jobs);
    const messages = Array.from({ length: JOBS }, (_, i) =>
      documentsMessage(`job-${i}`, 1, { batch: BATCH }),
    );
    // job-0 was dead-lettered once, then replayed: its dead record is there before it is stored.
    await jobs.insertOne({
      _id: batchJobId(BATCH, 'job-0'),
      batch: BATCH,
      jobId: 'job-0',
      outcome: 'dead',
      stage: 'fetch',
      reason: 'http-5xx',
      endedAt: new Date(),
    });
    commands();

    await w.publish(...messages);
    await waitFor(async () => (await jobs.countDocuments({ batch: BATCH, outcome: 'stored' })) === JOBS, {
      timeoutMs: 30_000,
      what: `${JOBS} stored batch records`,
    });
    // One insert of the records; one read of the record found there (job-0's); its one update.
    expect(commands()).toEqual(['insert', 'find', 'update']);

    // Every message again, as after a crash before the acks: every record is there, none dead.
    await w.publish(...messages);
    await waitFor(async () => (await w.metric('tributary_writer_documents_total')) >= 2 * JOBS, {
      timeoutMs: 30_000,
      what: 'the redelivered messages written',
    });
    // The records are written before the documents are counted: one insert, one read, and no update.
    expect(commands()).toEqual(['insert', 'find']);

    const records = await jobs.find({ batch: BATCH }).sort({ jobId: 1 }).toArray();
    expect(records).toHaveLength(JOBS);
    expect(records.every((record) => record.outcome === 'stored' && record.chunkCount === 1)).toBe(true);
    expect(await w.metric('tributary_batch_jobs_ended_total', { outcome: 'stored' })).toBe(JOBS - 1);
  });
});
