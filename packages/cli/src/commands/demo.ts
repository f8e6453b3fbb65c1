import { type Command, InvalidArgumentError } from 'commander';
import { isFinished } from '../batches/batch-progress.ts';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import { DEFAULT_DEMO_JOBS, demoBatchName, demoJobs } from '../launcher/demo-jobs.ts';
import { LOCAL_SYSTEM_DEFAULTS } from '../launcher/options.ts';
import { followBatch, parseSeconds } from './batch.ts';
import { enqueue } from './enqueue.ts';

interface DemoFlags {
  api: string;
  jobs: number;
  wait?: boolean;
  timeout?: number;
}

function demoApiUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new InvalidArgumentError('expected an http(s) URL, as the fetchers reach the demo API');
  }
  return value;
}

function jobCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || count < 1 || count > 100_000) {
    throw new InvalidArgumentError('expected an integer 1..100000');
  }
  return count;
}

export function registerDemo(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('demo')
    .description(
      'enqueue the demo batch that `up` enqueues: pages and records of the demo API, a few failing on ' +
        'purpose (retries, a 429, dead letters); prints the batch id',
    )
    .option(
      '--api <url>',
      "the demo API's base URL, as the fetchers reach it",
      demoApiUrl,
      `http://127.0.0.1:${LOCAL_SYSTEM_DEFAULTS.demoPort}`,
    )
    .option('--jobs <n>', 'jobs in the batch', jobCount, DEFAULT_DEMO_JOBS)
    .option(
      '--wait',
      'then follow the batch and print how its jobs ended; exit 0 once every job has ended, dead letters included',
    )
    .option('--timeout <seconds>', 'with --wait, give up after this long (exit 1)', parseSeconds)
    .action((flags: DemoFlags) => run(() => demo(flags)));
}

async function demo(flags: DemoFlags): Promise<ExitCode> {
  const batch = demoBatchName(new Date());
  const enqueued = await enqueue(undefined, {
    url: demoJobs(flags.api, flags.jobs).map((job) => job.url),
    batch,
  });
  if (enqueued !== EXIT.ok || !flags.wait) return enqueued;
  // Its dead letters are what the demo is there to show, so only a batch that has not ended is a failure.
  const progress = await followBatch(batch, { timeout: flags.timeout });
  return isFinished(progress) ? EXIT.ok : EXIT.failed;
}
