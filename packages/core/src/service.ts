import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type ConfigOf, type ConfigRule, type ConfigSpec, loadConfig, setting } from './config.ts';
import { ConfigError } from './errors.ts';
import { HealthServer, type MetricsSource } from './health-server.ts';
import { Lifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { createRegistry, registerReadinessGauge } from './metrics.ts';
import { Readiness } from './readiness.ts';

/** Settings every service reads, beside its own. */
export const serviceSettings = {
  logLevel: setting.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'pino log level',
  }),
  httpPort: setting.int('HTTP_PORT', {
    default: 9464,
    min: 0,
    max: 65535,
    description: 'port of /metrics, /healthz and /readyz (0 picks a free port)',
  }),
  httpHost: setting.string('HTTP_HOST', {
    default: '0.0.0.0',
    description: 'address the health server binds',
  }),
  shutdownGracePeriodMs: setting.int('SHUTDOWN_GRACE_MS', {
    default: 30_000,
    min: 100,
    max: 600_000,
    description: 'how long a graceful shutdown may take before the process is forced out',
  }),
};

export type ServiceConfig<S extends ConfigSpec> = ConfigOf<S> & ConfigOf<typeof serviceSettings>;

export interface ServiceContext<S extends ConfigSpec> {
  config: ServiceConfig<S>;
  logger: Logger;
  registry: Registry;
  lifecycle: Lifecycle;
  readiness: Readiness;
  /** The port of `/metrics`, `/healthz` and `/readyz`; undefined in a process that serves no HTTP. */
  httpPort: number | undefined;
}

export interface RunServiceOptions<S extends ConfigSpec> {
  env?: NodeJS.ProcessEnv;
  /** Rules across the service's settings, checked with them. */
  rules?: readonly ConfigRule<ServiceConfig<S>>[];
  /**
   * Checks that need more than the values (a module that must load): throws a `ConfigError` naming the
   * variable. Runs before the process binds a port or connects to anything.
   */
  validate?: (config: ServiceConfig<S>) => Promise<void> | void;
  /** The transformer's primary serves its workers' metrics instead of its own registry's. */
  metrics?: MetricsSource;
  /**
   * Whether the process serves `/metrics`, `/healthz` and `/readyz` on HTTP_PORT (default true). The demo API
   * serves its own on its content port; a transformer worker reports its readiness to its primary.
   */
  http?: boolean;
  /** The signals that start a shutdown; SIGTERM and SIGINT by default. */
  signals?: readonly NodeJS.Signals[];
  /** Signals the process receives and leaves to another (a worker leaves Ctrl-C's SIGINT to its primary). */
  ignoreSignals?: readonly NodeJS.Signals[];
  /** Bound to every log line of the process, beside `service`. */
  logBindings?: Record<string, unknown>;
}

/**
 * The shape of every process's main: validate config, single settings and the rules across them (stop with
 * exit 2 and the variables named if it is wrong, before any port is bound), build the logger, registry,
 * readiness, health server and lifecycle, run `start`, then wait for a signal.
 */
export async function runService<S extends ConfigSpec>(
  service: string,
  spec: S,
  start: (ctx: ServiceContext<S>) => Promise<void>,
  options: RunServiceOptions<S> = {},
): Promise<void> {
  let config: ServiceConfig<S>;
  try {
    config = loadConfig(
      { ...serviceSettings, ...spec },
      options.env ?? process.env,
      (options.rules ?? []) as readonly ConfigRule<ConfigOf<S & typeof serviceSettings>>[],
    ) as unknown as ServiceConfig<S>;
    await options.validate?.(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${service}: ${err.message}\n`);
    process.exitCode = 2;
    // A forked child (a transformer worker) would otherwise stay alive on its IPC channel.
    if (process.connected) process.disconnect();
    return;
  }
  const serviceLogger = createLogger({ service, level: config.logLevel });
  const logger = options.logBindings ? serviceLogger.child(options.logBindings) : serviceLogger;
  const registry = createRegistry(service);
  const lifecycle = new Lifecycle({
    logger,
    gracePeriodMs: config.shutdownGracePeriodMs,
    ...(options.signals ? { signals: options.signals } : {}),
    ...(options.ignoreSignals ? { ignoreSignals: options.ignoreSignals } : {}),
  });
  const readiness = new Readiness();
  const health =
    options.http === false
      ? undefined
      : new HealthServer({
          port: config.httpPort,
          host: config.httpHost,
          logger,
          metrics: options.metrics ?? registry,
          readiness,
        });
  // Only where /metrics serves this registry: a process serving another source (the transformer's primary) registers
  // it in the registry it serves, and a transformer worker's would be summed by its primary.
  if (health && options.metrics === undefined) registerReadinessGauge(registry, readiness);
  lifecycle.installSignalHandlers();
  lifecycle.installCrashHandlers();
  try {
    if (health) {
      await health.start();
      lifecycle.add('close', 'health-server', () => health.close());
    }
    await start({ config, logger, registry, lifecycle, readiness, httpPort: health?.port });
    readiness.markStarted();
    logger.info(health ? { port: health.port } : {}, 'started');
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exitCode = 1;
    await lifecycle.shutdown('start-failed');
    lifecycle.removeSignalHandlers();
    if (process.connected) process.disconnect();
  }
}
