import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Readiness } from './readiness.ts';

/** One registry per service, with the `service` label set once and Node's default metrics. */
export function createRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'tributary_' });
  return registry;
}

/**
 * `tributary_ready`: 1 while the process's `/readyz` would answer ready, read on each scrape, so that an alert can
 * tell a process that answers scrapes but does not work (no broker, no database) from one that is gone (`up`).
 */
export function registerReadinessGauge(registry: Registry, readiness: Pick<Readiness, 'report'>): void {
  new Gauge({
    name: 'tributary_ready',
    help: 'Whether the process is ready (1) or not (0), as /readyz reports it',
    registers: [registry],
    collect() {
      this.set(readiness.report().ready ? 1 : 0);
    },
  });
}
