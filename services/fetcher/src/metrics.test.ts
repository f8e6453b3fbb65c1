import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { BreakerState } from './circuit-breakers.ts';
import { FetcherMetrics } from './metrics.ts';

function metricsKeeping(kept: Set<string>, breakers: [string, BreakerState][] = []) {
  const registry = new Registry();
  const metrics = new FetcherMetrics(registry, {
    requestsInFlight: () => 0,
    requestsWaiting: () => 0,
    breakerStates: () => breakers,
    hostRates: () => [...kept].map((host): [string, number] => [host, 12.5]),
    replicas: () => 3,
    keepsHost: (host) => kept.has(host),
  });
  return { registry, metrics };
}

/** Every `host` label value in the registry's output. */
async function hostValues(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return [...new Set([...text.matchAll(/[{,]host="([^"]*)"/g)].map((m) => m[1] ?? ''))].sort();
}

const ok = { outcome: 'done', statusClass: '2xx', durationSeconds: 0.01, bytes: 100 };

describe('FetcherMetrics', () => {
  it('labels a kept host by its name and counts any other host under "other"', async () => {
    const { registry, metrics } = metricsKeeping(new Set(['a.example']));
    metrics.countRequest('a.example', ok);
    metrics.countRequest('b.example', ok);
    metrics.countRequest('c.example', { ...ok, outcome: 'retry', statusClass: '5xx' });
    metrics.countBreakerTransition('d.example', 'open');
    expect(await hostValues(registry)).toEqual(['a.example', 'other']);
    const requests = await registry.getSingleMetric('tributary_fetch_requests_total')?.get();
    const other = requests?.values.filter((v) => v.labels.host === 'other').reduce((n, v) => n + v.value, 0);
    expect(other).toBe(2);
  });

  it('removes every series of a host it forgets', async () => {
    const kept = new Set(['a.example', 'b.example']);
    const { registry, metrics } = metricsKeeping(kept);
    metrics.countRequest('a.example', ok);
    metrics.countRequest('a.example', { ...ok, outcome: 'dead', statusClass: '4xx' });
    metrics.countRequest('a.example', { ...ok, outcome: 'retry', statusClass: 'none', bytes: undefined });
    metrics.countBreakerTransition('a.example', 'open');
    metrics.countBreakerTransition('a.example', 'half-open');
    metrics.countRequest('b.example', ok);
    kept.delete('a.example');
    metrics.forgetHost('a.example');
    expect(await hostValues(registry)).toEqual(['b.example']);
  });

  it('shows the breaker state of kept hosts only', async () => {
    const { registry } = metricsKeeping(new Set(['a.example']), [
      ['a.example', 'open'],
      ['b.example', 'half-open'],
    ]);
    expect(await hostValues(registry)).toEqual(['a.example']);
  });
});
