import { demoJobs } from '@tributary/cli';
import type { FetchJob } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../../support/cli.ts';
import { takeAll, useBroker, useDatabase } from '../../support/index.ts';

describe('tributary demo', () => {
  it("enqueues `up`'s demo batch on the API it is given; --wait gives up after --timeout when nothing fetches (exit 1)", async () => {
    await using broker = await useBroker();
    await using database = await useDatabase();
    const result = await runCli(
      ['demo', '--api', 'http://demo-api:8080', '--jobs', '6', '--wait', '--timeout', '1'],
      cliEnv(broker, database),
    );
    const [batch, ...state] = result.stdout.split('\n');
    expect(batch).toMatch(/^demo-\d{8}-\d{6}$/);
    expect(state.join('\n')).toMatch(/jobs {8}6\n/);
    expect(result.stderr).toContain(`6 jobs enqueued in batch ${batch}`);
    expect(result.stderr).toContain(`batch ${batch} has not ended after 1 s`);
    expect(result.code).toBe(1);

    const jobs = (await takeAll<FetchJob>(broker.amqpUrl, 'fetch.jobs')).map((message) => message.body);
    expect(jobs.map((job) => job.url).sort()).toEqual(
      demoJobs('http://demo-api:8080', 6)
        .map((job) => job.url)
        .sort(),
    );
    for (const job of jobs) expect(job.batch).toBe(batch);
  });

  it('refuses an API that is not an http(s) URL before connecting to anything (exit 2)', async () => {
    const result = await runCli(['demo', '--api', 'demo-api:8080'], {
      AMQP_URL: 'amqp://127.0.0.1:9',
      MONGO_URL: 'mongodb://127.0.0.1:9/',
    });
    expect(result.stderr).toContain("option '--api <url>' argument 'demo-api:8080' is invalid");
    expect(result.code).toBe(2);
  });
});
