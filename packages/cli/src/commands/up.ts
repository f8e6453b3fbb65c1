import { createLogger, Lifecycle, type Logger } from '@tributary/core';
import { type Command, InvalidArgumentError } from 'commander';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import { type DemoBatchOptions, enqueueDemoBatch, waitForDemoBatch } from '../launcher/demo-batch.ts';
import { DEFAULT_DEMO_JOBS, demoBatchName, demoJobs } from '../launcher/demo-jobs.ts';
import { LaunchError } from '../launcher/errors.ts';
import { buildGuide, renderGuide } from '../launcher/guide.ts';
import { endpointEnv } from '../launcher/local-infrastructure.ts';
import { LocalSystem, type RunningSystem } from '../launcher/local-system.ts';
import { LogOutput } from '../launcher/log-output.ts';
import { LOCAL_SYSTEM_DEFAULTS } from '../launcher/options.ts';

/** The options of `tributary up`, as commander parses them. */
export interface UpOptions {
  fetchers: number;
  transformers: number;
  embedders: number;
  writers: number;
  workers?: number;
  demo: boolean;
  demoJobs: number;
  demoPort: number;
  httpPortBase: number;
  /** Seconds. */
  readyTimeout: number;
  /** Seconds. */
  gracePeriod: number;
}

/**
 * Stopping infra/local's servers (RabbitMQ waits for its VM to exit) comes after the services' grace period.
 */
const INFRASTRUCTURE_STOP_MS = 120_000;

function integer(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected an integer ${min}..${max}`);
    }
    return number;
  };
}

export function registerUp(program: Command, run: (action: () => Promise<ExitCode>) => Promise<void>): void {
  program
    .command('up')
    .description(
      'Run the whole system on this machine: RabbitMQ and FerretDB (infra/local), the demo API and every ' +
        'service as a process of its own; then enqueue a demo batch and follow it. Ctrl-C stops everything ' +
        'it started.',
    )
    .option('--fetchers <n>', 'fetcher processes', integer(1, 64), LOCAL_SYSTEM_DEFAULTS.fetchers)
    .option('--transformers <n>', 'transformer processes', integer(1, 64), LOCAL_SYSTEM_DEFAULTS.transformers)
    .option(
      '--embedders <n>',
      'embedder processes: the optional embed stage between transformers and writers (EMBED_ENDPOINT, default the demo API’s); 0 runs none',
      integer(0, 64),
      LOCAL_SYSTEM_DEFAULTS.embedders,
    )
    .option('--writers <n>', 'writer processes', integer(1, 64), LOCAL_SYSTEM_DEFAULTS.writers)
    .option(
      '--workers <n>',
      "TRANSFORM_WORKERS of each transformer (default: the service's, one per core)",
      integer(1, 1024),
    )
    .option('--no-demo', 'enqueue no demo batch')
    .option(
      '--demo-jobs <n>',
      'jobs in the demo batch, a few of them failing on purpose',
      integer(1, 100_000),
      DEFAULT_DEMO_JOBS,
    )
    .option(
      '--demo-port <port>',
      "the demo API's port (DEMO_PORT)",
      integer(1, 65_535),
      LOCAL_SYSTEM_DEFAULTS.demoPort,
    )
    .option(
      '--http-port-base <port>',
      "the first service's HTTP_PORT (/metrics, /healthz, /readyz); the others count up in pipeline order",
      integer(1, 65_535),
      LOCAL_SYSTEM_DEFAULTS.httpPortBase,
    )
    .option(
      '--ready-timeout <seconds>',
      'how long every process has to get ready',
      integer(1, 3_600),
      LOCAL_SYSTEM_DEFAULTS.readyTimeoutMs / 1000,
    )
    .option(
      '--grace-period <seconds>',
      'how long stopping the services may take before what is left is killed',
      integer(1, 3_600),
      LOCAL_SYSTEM_DEFAULTS.gracePeriodMs / 1000,
    )
    .addHelpText(
      'after',
      [
        '',
        'With AMQP_URL and MONGO_URL set, their servers are used and no infrastructure is started.',
        'Every other variable (TRIBUTARY_PREFIX, MONGO_DB, LOG_LEVEL, FETCH_*, ...) passes through to the',
        'services. On a terminal the logs are rendered for reading; otherwise each line stays JSON, with',
        '"process" added. A process that dies is restarted after 1, 2, 4 s; a fourth death within a minute',
        '(or an invalid configuration) stops everything and exits 1.',
      ].join('\n'),
    )
    .action((options: UpOptions) => run(() => up(options)));
}

/** `tributary up`: wiring only; the launcher (../launcher) holds every decision. */
export async function up(options: UpOptions, env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const output = new LogOutput();
  const logger = createLogger({ service: 'up', destination: output.destinationFor('up') });
  let system: LocalSystem;
  try {
    system = new LocalSystem({
      fetchers: options.fetchers,
      transformers: options.transformers,
      embedders: options.embedders,
      writers: options.writers,
      transformWorkers: options.workers,
      demoPort: options.demoPort,
      httpPortBase: options.httpPortBase,
      readyTimeoutMs: options.readyTimeout * 1000,
      gracePeriodMs: options.gracePeriod * 1000,
      env,
      logger,
      onLine: (name, line, level) => output.line(name, line, level),
    });
  } catch (err) {
    if (!(err instanceof LaunchError)) throw err;
    logger.error({ reason: err.reason }, err.message);
    return EXIT.usage;
  }
  output.alignNames([...system.processNames, 'infra', 'demo', 'up']);

  const demoStop = new AbortController();
  let finish: (code: ExitCode) => void = () => {};
  const finished = new Promise<ExitCode>((resolve) => {
    finish = resolve;
  });
  const lifecycle = new Lifecycle({
    logger,
    gracePeriodMs: options.gracePeriod * 1000 + INFRASTRUCTURE_STOP_MS,
    exit: (code) => {
      // A second signal, or a shutdown past its time: whatever still runs is killed.
      if (system.state !== 'stopped') system.forceStop();
      finish(code === 0 ? EXIT.ok : EXIT.failed);
    },
  });
  lifecycle.add('stop-intake', 'demo batch', () => demoStop.abort());
  lifecycle.add('close', 'system', async () => {
    const { forced } = await system.stop();
    if (forced.length > 0) throw new Error(`killed after the grace period: ${forced.join(', ')}`);
  });
  lifecycle.installSignalHandlers();
  lifecycle.installCrashHandlers();
  system.on('failed', () => {
    void lifecycle.shutdown('a process keeps dying').then(() => finish(EXIT.failed));
  });

  try {
    const running = await system.start();
    void showAndRunDemo(running, { options, env, logger, output, signal: demoStop.signal });
  } catch (err) {
    if (lifecycle.state === 'running') {
      reportStartFailure(logger, err);
      await system.stop();
      finish(EXIT.failed);
    }
  }
  const code = await finished;
  lifecycle.removeSignalHandlers();
  return code;
}

interface DemoWiring {
  options: UpOptions;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  output: LogOutput;
  signal: AbortSignal;
}

/** Enqueues the demo batch (unless --no-demo), prints where to look, then follows the batch to its end. */
async function showAndRunDemo(running: RunningSystem, wiring: DemoWiring): Promise<void> {
  const { options, env, logger, output, signal } = wiring;
  const showGuide = (batchId: string | undefined) => {
    const guide = buildGuide({ processes: running.processes, endpoints: running.endpoints, batchId, env });
    if (output.format === 'pretty') output.text(renderGuide(guide));
    else logger.info({ ...guide }, 'where to look');
  };
  if (!options.demo || running.demoApiUrl === undefined) {
    showGuide(undefined);
    return;
  }
  const demo: DemoBatchOptions = {
    jobs: demoJobs(running.demoApiUrl, options.demoJobs),
    batchName: demoBatchName(new Date()),
    env: { ...env, ...endpointEnv(running.endpoints) },
    logger,
    onLine: (line, level) => output.line('demo', line, level),
    signal,
  };
  const enqueued = await enqueueDemoBatch(demo);
  if (!enqueued.ok && enqueued.stopped) return;
  showGuide(enqueued.ok ? enqueued.batchId : undefined);
  if (enqueued.ok) await waitForDemoBatch(enqueued.batchId, demo);
}

function reportStartFailure(logger: Logger, err: unknown): void {
  if (err instanceof LaunchError) {
    logger.error(
      {
        reason: err.reason,
        ...(err.processName ? { processName: err.processName } : {}),
        lastLines: err.lastLines,
      },
      `could not start the system: ${err.message}`,
    );
  } else {
    logger.error({ err }, 'could not start the system');
  }
}
