import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per service, with the `service` label set once and Node's default metrics. */
export function createRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'tributary_' });
  return registry;
}
