import { childTraceparent, RawRecordSchema } from '@tributary/contracts';
import { runService } from '@tributary/core';
import { messagingSettings, startMessaging } from '@tributary/messaging';
import { resolveTransformSpecifier } from '@tributary/transform';
import { AggregatorRegistry } from 'prom-client';
import { transformConfigOf, transformerRules, transformerSettings } from './config.ts';
import { TransformMetrics } from './metrics.ts';
import { createTransformHandler } from './transform-handler.ts';
import { TransformRunner } from './transform-runner.ts';
import { WORKER_SLOT_ENV, workerStatusMessage } from './worker-status.ts';

/** How often a worker checks its readiness; it tells the primary only when it changes. */
const STATUS_INTERVAL_MS = 250;

/**
 * One worker process of the transformer (forked by the primary): its own broker connection, consumer of
 * `transform.raw` with TRANSFORM_PREFETCH, and transform thread. It serves no HTTP: the primary serves its metrics
 * (prom-client's cluster aggregation) and its readiness (reported over IPC).
 *
 * SIGTERM drains it: the consumer stops taking records and finishes those in flight (publishing their Documents
 * and acking), then the thread, publisher and connection close, in that order. The primary sends SIGTERM on its own
 * shutdown; SIGINT (a terminal's Ctrl-C reaches the whole process group) is left to the primary, which then sends
 * SIGTERM, so a worker never takes Ctrl-C for a second, forcing signal. A worker whose primary is gone stops too.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const slot = Number(env[WORKER_SLOT_ENV] ?? 0);
  await runService(
    'transformer',
    { ...messagingSettings, ...transformerSettings },
    async ({ config, logger, registry, lifecycle, readiness }) => {
      // Answer the primary's metric requests from this registry, never from prom-client's global one.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
      process.on('disconnect', () => {
        if (lifecycle.state !== 'running') return;
        logger.warn('the primary is gone; stopping');
        process.kill(process.pid, 'SIGTERM');
      });

      let lastStatus = '';
      const reportStatus = () => {
        const status = workerStatusMessage(readiness.report());
        const key = `${status.ready}|${status.detail}`;
        if (key === lastStatus || !process.connected) return;
        lastStatus = key;
        process.send?.(status);
      };
      const statusTimer = setInterval(reportStatus, STATUS_INTERVAL_MS);
      lifecycle.add('close', 'status', () => {
        clearInterval(statusTimer);
        reportStatus();
      });

      const metrics = new TransformMetrics(registry);
      const runner = new TransformRunner({
        setup: {
          module: config.module === '' ? '' : resolveTransformSpecifier(config.module),
          config: transformConfigOf(config),
          logLevel: config.logLevel,
          logBindings: { worker: slot, pid: process.pid },
        },
        timeoutMs: config.timeoutMs,
        maxHeapMb: config.maxHeapMb,
        logger,
        onThreadReplaced: (reason) => metrics.threadReplacements.inc({ reason }),
        onFatal: () => process.kill(process.pid, 'SIGTERM'),
      });
      await runner.start();
      lifecycle.add('close', 'transform-thread', () => runner.close());
      const messaging = startMessaging(
        { config, logger, registry, lifecycle, readiness },
        `transformer-${slot}`,
      );
      messaging.consume(
        'transform',
        RawRecordSchema,
        {
          prefetch: config.prefetch,
          maxAttempts: config.maxAttempts,
          backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
        },
        createTransformHandler({
          run: (record) => runner.run(record),
          publish: (body, record, delivery) =>
            messaging.publisher.publishEncodedToStage(config.embed ? 'embed' : 'store', body, {
              messageId: record.jobId,
              traceparent: childTraceparent(delivery.traceparent),
            }),
          metrics,
        }),
      );
      logger.info({ prefetch: config.prefetch, module: config.module || '(default)' }, 'worker started');
    },
    {
      env,
      rules: transformerRules,
      // The primary serves HTTP for every worker; readiness goes to it over IPC.
      http: false,
      // A terminal's Ctrl-C reaches the whole process group: it is left to the primary, which sends SIGTERM.
      signals: ['SIGTERM'],
      ignoreSignals: ['SIGINT'],
      logBindings: { worker: slot, pid: process.pid },
    },
  );
}
