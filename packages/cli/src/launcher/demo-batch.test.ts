import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchIdFrom,
  type DemoBatchOptions,
  enqueueDemoBatch,
  waitForDemoBatch,
  waitOutcomeOf,
} from './demo-batch.ts';
import { demoJobFile, demoJobs } from './demo-jobs.ts';

const fakeCli = fileURLToPath(new URL('./fixtures/fake-tributary.ts', import.meta.url));
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Options that run the stand-in command, with its lines and the launcher's log lines collected. */
function demoOptions(env: Record<string, string>, signal = new AbortController().signal) {
  const lines: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const destination = {
    write: (line: string) => {
      logs.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const options: DemoBatchOptions = {
    jobs: demoJobs('http://127.0.0.1:8080', 3),
    batchName: 'demo-20250107-093512',
    env: { ...process.env, ...env },
    logger: createLogger({ service: 'up', destination }),
    onLine: (line) => lines.push(line),
    signal,
    cliMain: fakeCli,
  };
  return { options, lines, logs };
}

describe('batchIdFrom and waitOutcomeOf', () => {
  it('takes the batch id from the last stdout line, else the name given', () => {
    expect(batchIdFrom('enqueued\nb-1\n\n', 'fallback')).toBe('b-1');
    expect(batchIdFrom('', 'fallback')).toBe('fallback');
    expect(batchIdFrom('3 jobs enqueued\n', 'fallback')).toBe('fallback');
  });

  it('reads `batch wait` exit codes: 1 (dead letters) is what the demo expects', () => {
    expect(waitOutcomeOf(0)).toBe('all-stored');
    expect(waitOutcomeOf(1)).toBe('some-dead-lettered');
    expect(waitOutcomeOf(3)).toBe('failed');
    expect(waitOutcomeOf(null)).toBe('failed');
  });
});

describe('enqueueDemoBatch', () => {
  it('writes the job file, enqueues it under the batch name and returns the id the command printed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-batch-test-'));
    dirs.push(dir);
    const copy = join(dir, 'jobs.jsonl');
    const { options, lines, logs } = demoOptions({ FAKE_COPY_TO: copy, FAKE_BATCH_ID: 'the-id' });

    expect(await enqueueDemoBatch(options)).toEqual({ ok: true, batchId: 'the-id' });

    expect(await readFile(copy, 'utf8')).toBe(demoJobFile(options.jobs));
    expect(lines).toEqual(['3 jobs enqueued in batch demo-20250107-093512', 'the-id']);
    expect(logs.at(-1)).toMatchObject({ msg: 'demo batch enqueued', batch: 'the-id' });
  });

  it('fails soft when `tributary enqueue` does not exist: a clear warning, and the system goes on', async () => {
    const { options, logs } = demoOptions({ FAKE_ENQUEUE: 'missing' });

    expect(await enqueueDemoBatch(options)).toEqual({ ok: false, stopped: false });

    expect(logs.at(-1)).toMatchObject({
      level: 'warn',
      code: 2,
      msg:
        "could not enqueue the demo batch: `tributary enqueue` ended with exit code 2 (error: unknown command 'enqueue'); " +
        'the system keeps running without it',
    });
  });

  it('stops the command when the launcher stops, without a warning', async () => {
    const controller = new AbortController();
    const { options, logs } = demoOptions({ FAKE_ENQUEUE: 'hang' }, controller.signal);
    const enqueued = enqueueDemoBatch(options);
    setTimeout(() => controller.abort(), 300);

    expect(await enqueued).toEqual({ ok: false, stopped: true });
    expect(logs.filter((log) => log.level === 'warn')).toEqual([]);
  });
});

describe('waitForDemoBatch', () => {
  it.each([
    ['0', 'all-stored', 'info'],
    ['1', 'some-dead-lettered', 'info'],
    ['3', 'failed', 'warn'],
  ])('reads exit code %s of `batch wait` as %s', async (code, outcome, level) => {
    const { options, lines, logs } = demoOptions({ FAKE_WAIT_EXIT: code });
    expect(await waitForDemoBatch('b-1', options)).toBe(outcome);
    expect(lines).toEqual(['batch b-1: done']);
    expect(logs.at(-1)).toMatchObject({ level, batch: 'b-1' });
  });
});
