import { runService } from '@tributary/core';
import { createDemoApi } from './server.ts';
import { demoSettings } from './settings.ts';

// Wiring only. The demo API serves its own /metrics and /healthz on its content port, so the process serves no
// health server of its own.
await runService(
  'demo-api',
  demoSettings,
  async ({ config, logger, registry, lifecycle, readiness }) => {
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
      sitePages: config.sitePages,
      crawlDelaySeconds: config.crawlDelaySeconds,
      embeddings: {
        model: config.embedModel,
        dimensions: config.embedDimensions,
        maxInputs: config.embedMaxInputs,
        maxTokens: config.embedMaxTokens,
      },
      registry,
      logger,
    });
    lifecycle.add('close', 'demo-api', () => api.close());
    await api.start();
    readiness.addReadinessCheck('demo-api', () => true);
  },
  { http: false },
);
