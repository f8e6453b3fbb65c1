import {
  ConfigError,
  type ConfigOf,
  createLogger,
  createRegistry,
  Lifecycle,
  loadConfig,
} from '@tributary/core';
import { createDemoApi } from './server.ts';
import { demoSettings } from './settings.ts';

// Wiring only: config, logger, registry, the API, and the lifecycle that closes it on SIGTERM. The demo API
// serves its own /metrics and /healthz on its content port, so it does not start core's health server.

async function main(): Promise<void> {
  let config: ConfigOf<typeof demoSettings>;
  try {
    config = loadConfig(demoSettings);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`demo-api: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger({ service: 'demo-api', level: config.logLevel });
  const lifecycle = new Lifecycle({ logger, gracePeriodMs: config.shutdownGracePeriodMs });
  lifecycle.installSignalHandlers();
  lifecycle.installCrashHandlers();
  const api = createDemoApi({
    port: config.port,
    host: config.host,
    defaults: {
      latencyMs: config.latencyMs,
      jitterMs: config.jitterMs,
      errorRate: config.errorRate,
      failStatus: config.failStatus,
    },
    cacheMaxBytes: config.cacheMb * 1024 * 1024,
    registry: createRegistry('demo-api'),
    logger,
  });
  lifecycle.add('demo-api', () => api.close());
  try {
    await api.start();
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exitCode = 1;
    await lifecycle.shutdown('start-failed');
    lifecycle.removeSignalHandlers();
  }
}

await main();
