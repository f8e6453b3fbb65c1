import { ConfigError, createRegistry, registerReadinessGauge, runService } from '@tributary/core';
import { messagingSettings } from '@tributary/messaging';
import { loadTransform } from '@tributary/transform';
import { ClusterMetrics } from './cluster-metrics.ts';
import { restartPolicyOf, transformerRules, transformerSettings, workerCountOf } from './config.ts';
import { SupervisorMetrics } from './metrics.ts';
import { WorkerSupervisor } from './worker-supervisor.ts';

/**
 * The transformer's primary process: checks the configuration (chunking options, TRANSFORM_MODULE loads and
 * exports a transform) so that a mistake stops the service at once instead of crash-looping its workers, forks
 * the workers, and serves /metrics (the workers' aggregated, and its own), /healthz and /readyz (the workers'
 * readiness, failing in a crash loop). SIGTERM or SIGINT drain every worker, then the primary exits.
 */
export async function runPrimary(): Promise<void> {
  const own = createRegistry('transformer', { defaultMetrics: false });
  const metrics = new ClusterMetrics(own);
  await runService(
    'transformer',
    { ...messagingSettings, ...transformerSettings },
    async ({ config, logger, lifecycle, readiness }) => {
      metrics.useLogger(logger);
      registerReadinessGauge(own, readiness);
      const workers = workerCountOf(config);
      const grace = config.shutdownGracePeriodMs;
      const supervisor = new WorkerSupervisor({
        workers,
        policy: restartPolicyOf(config),
        logger,
        // Workers finish draining before the primary would kill them, and the primary before its own deadline.
        stopTimeoutMs: Math.floor(grace * 0.9),
        env: { SHUTDOWN_GRACE_MS: String(Math.max(100, Math.floor(grace * 0.8))) },
      });
      supervisor.useMetrics(
        new SupervisorMetrics(own, {
          workersRunning: () => supervisor.workersRunning,
          workersReady: () => supervisor.workersReady,
          crashLooping: () => supervisor.crashLooping,
        }),
      );
      supervisor.start();
      lifecycle.add('settle', 'workers', () => supervisor.stop());
      readiness.addReadinessCheck('workers', () => supervisor.readiness());
      logger.info({ workers, module: config.module || '(default)' }, 'transformer primary started');
    },
    { metrics, rules: transformerRules, validate: checkTransformModule },
  );
}

/** TRANSFORM_MODULE must load and export a transform; a module that does not is a configuration error. */
async function checkTransformModule(config: { module: string }): Promise<void> {
  if (config.module === '') return;
  try {
    await loadTransform(config.module, { setting: 'TRANSFORM_MODULE' });
  } catch (err) {
    if ((err as { reason?: unknown }).reason !== 'invalid-transform-module') throw err;
    throw new ConfigError([(err as Error).message]);
  }
}
