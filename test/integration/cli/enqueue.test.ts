import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_COLLECTIONS, type BatchRecord, type FetchJob, jobIdFor } from '@tributary/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../../support/cli.ts';
import { countMessages, takeAll, useBroker, useDatabase } from '../../support/index.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = [
  'https://example.com/1',
  'https://example.com/2',
  '{"url":"https://example.com/3","meta":{"k":1}}',
];

/** A job file with good lines, blank lines, comments, a duplicate and bad lines at known line numbers. */
const JOB_FILE = [
  '# jobs for the test', // 1
  GOOD[0], // 2
  '', // 3
  'not a url', // 4
  GOOD[1], // 5
  '{"url": 42}', // 6
  GOOD[2], // 7
  GOOD[0], // 8: the same job again
  '   # indented comment', // 9
  '{broken json', // 10
].join('\n');

describe('tributary enqueue', () => {
  it('publishes every good line once, names each bad line by its number, and sums them up (exit 2)', async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    const file = join(dir, 'mixed.txt');
    await writeFile(file, JOB_FILE);
    const result = await runCli(['enqueue', file, '--batch', 'mixed-1'], cliEnv(broker, database));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 4: url: Invalid URL');
    expect(result.stderr).toContain('line 6: url: Invalid input: expected string, received number');
    expect(result.stderr).toContain('line 10: not valid JSON');
    expect(result.stderr).not.toMatch(/line (1|2|3|5|7|8|9):/);
    expect(result.stderr).toContain('3 jobs enqueued in batch mixed-1, 7 lines, 3 bad, 1 duplicates skipped');
    expect(result.stdout).toBe('mixed-1\n');

    const jobs = (await takeAll<FetchJob>(broker.amqpUrl, 'fetch.jobs')).map((m) => m.body);
    expect(jobs.map((job) => job.url).sort()).toEqual([
      'https://example.com/1',
      'https://example.com/2',
      'https://example.com/3',
    ]);
    for (const job of jobs) {
      expect(job.batch).toBe('mixed-1');
      expect(job.id).toBe(jobIdFor({ url: job.url }));
    }
    expect(jobs.find((job) => job.url.endsWith('/3'))?.meta).toEqual({ k: 1 });
    const batch = await database.db
      .collection<BatchRecord>(BATCH_COLLECTIONS.batches)
      .findOne({ _id: 'mixed-1' });
    expect(batch?.total).toBe(3);
    expect(batch?.enqueuedAt).toBeInstanceOf(Date);
  });

  it('--strict publishes nothing, and does not even connect, when one line is bad', async () => {
    await using broker = await useBroker();
    const file = join(dir, 'strict.txt');
    await writeFile(file, JOB_FILE);
    // A database nobody listens on: --strict must stop before it would need one.
    const env = {
      ...cliEnv(broker),
      MONGO_URL: 'mongodb://127.0.0.1:9/',
      TRIBUTARY_CONNECT_TIMEOUT_MS: '500',
    };
    const result = await runCli(['enqueue', file, '--strict'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 4: url: Invalid URL');
    expect(result.stderr).toContain('nothing published (--strict)');
    expect(result.stdout).toBe('');
    await runCli(['topology', 'declare'], cliEnv(broker));
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(0);
  });

  it('reads standard input and --url, exit 0 when every line is good, --json for scripts', async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    const result = await runCli(
      ['enqueue', '-', '--url', 'https://example.com/cli', '--json'],
      cliEnv(broker, database),
      { stdin: `${GOOD[0]}\n${GOOD[1]}\n` },
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { batch: string; published: number; lines: number };
    expect(summary).toMatchObject({ published: 3, lines: 3, invalid: 0, duplicates: 0 });
    expect(summary.batch).toMatch(/^b-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(3);
  });

  it('streams a million-line file through a 64 MB heap, every job confirmed by the broker', async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    const file = join(dir, 'million.txt');
    const out = createWriteStream(file);
    for (let i = 0; i < 1_000_000; i++) out.write(`https://example.com/records/${i}\n`);
    await new Promise<void>((resolve) => out.end(resolve));
    const env = {
      ...cliEnv(broker, database),
      QUEUE_MAX_LENGTH: '2000000',
      // A command that held the file, or its jobs, in memory would run out of this heap.
      NODE_OPTIONS: '--max-old-space-size=64',
    };
    const result = await runCli(['enqueue', file, '--batch', 'million'], env, { timeoutMs: 600_000 });
    expect(result.stderr).toContain('1000000 jobs enqueued in batch million');
    expect(result.code).toBe(0);
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(1_000_000);
    // Peak resident memory, for the record; the heap bound above is the assertion.
    console.info(`enqueue of 1,000,000 lines: peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MB`);
    expect(result.peakRssBytes).toBeLessThan(400 * 2 ** 20);
  }, 600_000);

  it('says in one line which broker it cannot reach, password hidden (exit 3)', async () => {
    const result = await runCli(['enqueue', '--url', 'https://example.com/'], {
      AMQP_URL: 'amqp://user:s3cret@127.0.0.1:9',
      MONGO_URL: 'mongodb://127.0.0.1:9/',
      TRIBUTARY_CONNECT_TIMEOUT_MS: '1000',
    });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      'tributary: cannot reach the broker: amqp://user:redacted@127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9',
    ]);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('says which setting differs from the queues the broker has, instead of waiting for ever (exit 2)', async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    // The services were started with QUEUE_DELIVERY_LIMIT=50; the command runs with the default, 5.
    const services = await runCli(['topology', 'declare'], {
      ...cliEnv(broker, database),
      QUEUE_DELIVERY_LIMIT: '50',
    });
    expect(services.code, services.stderr).toBe(0);
    const result = await runCli(['enqueue', '--url', 'https://example.com/'], cliEnv(broker, database), {
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("inequivalent arg 'x-delivery-limit' for queue 'fetch.jobs'");
    expect(result.stderr).toContain('set QUEUE_DELIVERY_LIMIT to what the queue was declared with');
    expect(await countMessages(broker.amqpUrl, 'fetch.jobs')).toBe(0);
  });

  it('refuses bad usage with exit 2', async () => {
    expect((await runCli(['enqueue'], {})).code).toBe(2);
    expect((await runCli(['enqueue', '--url', 'https://e.com/', '--batch', 'no spaces'], {})).code).toBe(2);
    expect((await runCli(['no-such-command'], {})).code).toBe(2);
    expect((await runCli(['dead', 'list', '--stage', 'nowhere'], {})).code).toBe(2);
  });
});
