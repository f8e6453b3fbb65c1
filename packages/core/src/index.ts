export { type BackoffPolicy, backoffCeilingMs, backoffDelayMs } from './backoff.ts';
export {
  type ConfigOf,
  type ConfigRule,
  type ConfigSpec,
  describeConfig,
  loadConfig,
  notBelow,
  type Setting,
  setting,
} from './config.ts';
export { databaseSettings } from './database-settings.ts';
export { ConfigError, ShutdownTimeoutError } from './errors.ts';
export { HealthServer, type HealthServerOptions, type MetricsSource } from './health-server.ts';
export { IncompleteWriteError, insertNew } from './insert-new.ts';
export {
  Lifecycle,
  type LifecycleOptions,
  type LifecycleState,
  SHUTDOWN_PHASES,
  type ShutdownPhase,
  type ShutdownSteps,
} from './lifecycle.ts';
export { createLogger, type Logger, type LoggerSettings, REDACTED_PATHS, redactUrl } from './logger.ts';
export { createRegistry, registerReadinessGauge } from './metrics.ts';
export { readByIds } from './read-by-ids.ts';
export {
  Readiness,
  type ReadinessCheck,
  type ReadinessChecks,
  type ReadinessReport,
} from './readiness.ts';
export { parseRetryAfter } from './retry-after.ts';
export { runService, type ServiceConfig, type ServiceContext, serviceSettings } from './service.ts';
export { sleep } from './timing.ts';
