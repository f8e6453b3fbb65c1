import type { Registry } from 'prom-client';

/** A counter's or gauge's value in a service's registry, summed over the series with `labels`; a histogram's count. */
export async function registryMetric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .filter((v) => {
      const metricName = (v as { metricName?: string }).metricName;
      return metricName === undefined || metricName === `${name}_count`;
    })
    .reduce((sum, v) => sum + v.value, 0);
}
