import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, dashboardFile, renderDashboard } from '../../tools/dashboards.ts';
import { metricNames, runnableExpr } from '../support/observability.ts';

describe('Grafana dashboards', () => {
  it('are the files tools/dashboards.ts generates, so the checked queries are the provisioned ones', () => {
    // A mismatch means the generator changed without its output: `npm run dashboards:build` rewrites them.
    for (const spec of DASHBOARDS)
      expect(readFileSync(dashboardFile(spec), 'utf8')).toBe(renderDashboard(spec));
  });

  it('give every panel a unique title within its dashboard and a reason wherever it may stay empty', () => {
    for (const spec of DASHBOARDS) {
      const titles = spec.panels.map((p) => p.title);
      expect(new Set(titles).size).toBe(titles.length);
      for (const panel of spec.panels)
        if (panel.mayBeEmpty !== undefined) expect(panel.mayBeEmpty.length).toBeGreaterThan(10);
    }
  });
});

describe('reading the metric names of a query', () => {
  it.each([
    [
      'sum by (stage) (rate(tributary_messages_acked_total[$__rate_interval]))',
      ['tributary_messages_acked_total'],
    ],
    [
      'histogram_quantile(0.99, sum by (le, host) (rate(tributary_fetch_request_duration_seconds_bucket[5m])))',
      ['tributary_fetch_request_duration_seconds_bucket'],
    ],
    [
      'sum by (vhost, queue) (rabbitmq_detailed_queue_messages_ready{queue=~"(.+\\\\.)?fetch\\\\.jobs"}) > 0 unless on (vhost, queue) sum by (vhost, queue) (rabbitmq_detailed_queue_consumers) > 0',
      ['rabbitmq_detailed_queue_messages_ready', 'rabbitmq_detailed_queue_consumers'],
    ],
    ['up{job="tributary"} == 0', ['up']],
  ])('%s', (expr, names) => {
    expect(metricNames(runnableExpr(expr))).toEqual(names);
  });
});
