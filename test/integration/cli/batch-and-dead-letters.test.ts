import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSystem } from '@tributary/cli';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { cliEnv, runCli } from '../../support/cli.ts';
import { useBroker, useDatabase } from '../../support/index.ts';
import { freePortRange } from '../../support/ports.ts';

interface Progress {
  total: number;
  ended: number;
  stored: number;
  unchanged: number;
  dead: number;
  inFlight: number;
  deadBy: { stage: string; reason: string; count: number }[];
}

let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a batch followed from the queue to MongoDB, through faults and a replay', () => {
  it('counts every job once by how it ended, and a replayed dead job that then succeeds as stored only', async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    const output: string[] = [];
    onTestFailed(() => {
      process.stderr.write(`the processes' last output lines:\n${output.slice(-60).join('\n')}\n`);
    });
    const httpPortBase = await freePortRange(4);
    const demoPort = httpPortBase + 3;
    const env = {
      ...cliEnv(broker, database),
      // Two attempts and short delays, so that failures are decided within the test's time.
      FETCH_MAX_ATTEMPTS: '2',
      FETCH_BACKOFF_BASE_MS: '100',
      FETCH_BACKOFF_MAX_MS: '200',
      RETRY_DELAY_BUCKETS_MS: '200,1000',
      FETCH_PER_HOST_RATE: '0',
      WRITE_BATCH_MAX_MS: '50',
    };
    const system = new LocalSystem({
      env: { ...process.env, ...env },
      transformWorkers: 1,
      httpPortBase,
      demoPort,
      readyTimeoutMs: 90_000,
      gracePeriodMs: 20_000,
      restart: false,
      onLine: (name, line) => output.push(`${name} ${line}`),
    });
    try {
      await system.start();
      const demo = `http://127.0.0.1:${demoPort}`;
      const jobs = [
        ...[1, 2, 3, 4, 5, 6].map((n) => `${demo}/records/${n}`),
        `${demo}/pages/7`,
        `${demo}/pages/8?failFirst=1`, // a 500, then stored on its second attempt
        `${demo}/records/9?status=404`, // dead at once: not-found
        `${demo}/records/10?status=403`, // dead at once: http-4xx
        `${demo}/records/11?corrupt=1`, // dead after its attempts: corrupted-response
        `${demo}/records/12?failFirst=2&failStatus=503`, // both attempts fail (upstream-5xx); a replay succeeds
        `${demo}/records/1`, // the same job again: one job
      ];
      dir = await mkdtemp(join(tmpdir(), 'tributary-batch-'));
      const file = join(dir, 'jobs.txt');
      await writeFile(file, `${jobs.join('\n')}\n`);

      const enqueued = await runCli(['enqueue', file, '--batch', 'faults'], env);
      expect(enqueued.stderr).toContain(
        '12 jobs enqueued in batch faults, 13 lines, 0 bad, 1 duplicates skipped',
      );
      expect(enqueued.code).toBe(0);

      const first = await runCli(['batch', 'wait', 'faults', '--json', '--timeout', '90'], env, {
        timeoutMs: 120_000,
      });
      expect(first.code).toBe(1);
      const before = JSON.parse(first.stdout) as Progress;
      expect(before).toMatchObject({ total: 12, ended: 12, stored: 8, unchanged: 0, dead: 4, inFlight: 0 });
      expect(before.deadBy).toEqual([
        { stage: 'fetch', reason: 'corrupted-response', count: 1 },
        { stage: 'fetch', reason: 'http-4xx', count: 1 },
        { stage: 'fetch', reason: 'not-found', count: 1 },
        { stage: 'fetch', reason: 'upstream-5xx', count: 1 },
      ]);

      const listed = await runCli(['dead', 'list', '--stage', 'fetch', '--json'], env);
      expect(listed.code).toBe(0);
      const dead = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { url: string; reason: string; attempt: number });
      expect(dead.map((d) => `${d.reason} ${new URL(d.url).pathname}`).sort()).toEqual([
        'corrupted-response /records/11',
        'http-4xx /records/10',
        'not-found /records/9',
        'upstream-5xx /records/12',
      ]);

      const replayed = await runCli(['dead', 'replay', '--stage', 'fetch', '--reason', 'upstream-5xx'], env);
      expect(replayed.code).toBe(0);
      expect(replayed.stderr).toContain('1 dead letters replayed');

      // The replayed job is stored now (its third request succeeds): the batch counts it stored, not dead.
      let after: Progress | undefined;
      for (let i = 0; i < 60; i++) {
        const status = await runCli(['batch', 'status', 'faults', '--json'], env);
        after = JSON.parse(status.stdout) as Progress;
        if (after.stored === 9) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(after).toMatchObject({ total: 12, ended: 12, stored: 9, dead: 3, inFlight: 0 });
      expect(after?.deadBy.find((d) => d.reason === 'upstream-5xx')).toBeUndefined();
      const sources = await database.db.collection('sources').countDocuments();
      expect(sources).toBe(9);

      // Purge the 4xx dead letters, one reason at a time; the corrupted one stays.
      for (const reason of ['not-found', 'http-4xx']) {
        const purged = await runCli(['dead', 'purge', '--stage', 'fetch', '--reason', reason, '--yes'], env);
        expect(purged.code).toBe(0);
        expect(purged.stderr).toContain('1 dead letters deleted');
      }
      const left = await runCli(['dead', 'list', '--stage', 'fetch', '--json'], env);
      expect(
        left.stdout
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { reason: string }).reason),
      ).toEqual(['corrupted-response']);
      // Purging asks first; without a terminal to ask on, it refuses without --yes.
      expect((await runCli(['dead', 'purge', '--stage', 'fetch'], env)).code).toBe(2);
    } finally {
      await system.stop();
    }
  }, 300_000);
});
