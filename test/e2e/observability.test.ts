import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../tools/dashboards.ts';
import {
  exportedMetricNames,
  LocalPrometheus,
  metricNames,
  readAlertRules,
  runnableExpr,
} from '../support/observability.ts';
import { TestPipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The dashboards and alert rules against real running software: the whole system started by the launcher, a real
 * Prometheus scraping it with the compose stack's configuration, traffic with faults through the `tributary`
 * command. Every panel's query and every alert expression runs through Prometheus's HTTP API; a query that errors,
 * reads a metric nothing exports, or shows nothing where the traffic must have produced something fails the
 * check. Then a service is stopped, and the alerts that say so must fire.
 */

const ALERTS = (await readAlertRules()).groups.flatMap((g) => g.rules);

let pipeline: TestPipeline | undefined;
let prometheus: LocalPrometheus | undefined;
let exported = new Set<string>();

const rabbitmqPrometheusUrl = process.env.RABBITMQ_PROMETHEUS_URL;

/** Every panel and rule query is run over a window that holds the whole test's traffic. */
const WINDOW = '10m';

const CLEAN = 60;
const RETRIED = 6;
const NOT_FOUND = 4;

beforeAll(async () => {
  if (rabbitmqPrometheusUrl === undefined) {
    throw new Error('RABBITMQ_PROMETHEUS_URL is not set: eval "$(bash infra/local/env.sh)" first');
  }
  pipeline = await TestPipeline.start({
    fetchers: 2,
    restart: false,
    env: {
      FETCH_MAX_ATTEMPTS: '2',
      FETCH_BACKOFF_BASE_MS: '100',
      FETCH_BACKOFF_MAX_MS: '200',
      RETRY_DELAY_BUCKETS_MS: '200,1000',
      FETCH_REPLICA_POLL_MS: '500',
    },
  });
  const p = pipeline;
  prometheus = await LocalPrometheus.start(
    { processes: p.system.processes(), rabbitmqPrometheusUrl, demoPort: p.demoPort },
    { alertsFor: '0s' },
  );
  const prom = prometheus;
  await waitFor(async () => (await prom.targets()).every((t) => t.health === 'up'), {
    timeoutMs: 30_000,
    what: 'every scrape target to be up',
  });

  // Two rounds: a counter's series appears at its first increment, and Prometheus counts no increase into a
  // series' first sample, so the first round makes the series (as a running system has them) and the second is
  // the traffic the rates and increases must show.
  const round = async (batch: string, offset: number, share: number) => {
    const lines = [
      ...Array.from({ length: CLEAN / 2 / share }, (_, i) => `${p.demoUrl}/records/${offset + i}`),
      ...Array.from({ length: CLEAN / 2 / share }, (_, i) => `${p.demoUrl}/pages/${offset + i}`),
      ...Array.from(
        { length: RETRIED / share },
        (_, i) => `${p.demoUrl}/records/${offset + 100 + i}?failFirst=1`,
      ),
      ...Array.from(
        { length: NOT_FOUND / share },
        (_, i) => `${p.demoUrl}/records/${offset + 200 + i}?status=404`,
      ),
    ];
    const enqueued = await p.cli(['enqueue', '-', '--batch', batch], { stdin: `${lines.join('\n')}\n` });
    expect(enqueued.code, enqueued.stderr).toBe(0);
  };
  let stored = 0;
  let dead = 0;
  const seen = async (sources: number, deadLetters: number) => {
    const storedNow = await prom.query('sum(tributary_writer_sources_written_total)');
    const deadNow = await prom.query('sum(tributary_messages_dead_lettered_total)');
    return (
      Number(storedNow.data?.result[0]?.value?.[1] ?? 0) >= sources &&
      Number(deadNow.data?.result[0]?.value?.[1] ?? 0) >= deadLetters
    );
  };
  await round('first-round', 8_000, 2);
  stored += (CLEAN + RETRIED) / 2;
  dead += NOT_FOUND / 2;
  await waitFor(() => seen(stored, dead), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: 'the first round in Prometheus',
  });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await round('observed', 9_000, 1);
  stored += CLEAN + RETRIED;
  dead += NOT_FOUND;
  await waitFor(() => seen(stored, dead), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: 'Prometheus to see every source stored and every dead letter',
  });
  // A few more scrapes, so that every rate has samples on both sides of the traffic.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  exported = await exportedMetricNames([
    ...p.system.processes().map((proc) => proc.metricsUrl),
    `${rabbitmqPrometheusUrl}/metrics`,
    `${rabbitmqPrometheusUrl}/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count`,
  ]);
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  await pipeline?.stop();
});

/** What is wrong with one query: it errors, reads a metric nothing exports, or (unless allowed) shows nothing. */
async function problemsOf(what: string, expr: string, mayBeEmpty: boolean): Promise<string[]> {
  const problems: string[] = [];
  const runnable = runnableExpr(expr, WINDOW);
  const unknown = metricNames(runnable).filter((name) => name !== 'up' && !exported.has(name));
  if (unknown.length > 0) problems.push(`${what}: reads ${unknown.join(', ')}, which nothing exports`);
  const result = await (prometheus as LocalPrometheus).query(runnable);
  if (result.status !== 'success') {
    problems.push(`${what}: ${result.error}`);
    return problems;
  }
  const points = (result.data?.result ?? []).filter((r) => !Number.isNaN(Number(r.value?.[1])));
  if (!mayBeEmpty && points.length === 0) problems.push(`${what}: no data after the traffic`);
  return problems;
}

describe('dashboards and alerts, against a real Prometheus scraping the running system', () => {
  it('scrapes every process and RabbitMQ with the compose configuration', async () => {
    const targets = await (prometheus as LocalPrometheus).targets();
    expect(new Set(targets.map((t) => t.job))).toEqual(
      new Set(['tributary', 'demo-api', 'rabbitmq', 'rabbitmq-queues']),
    );
    expect(targets.filter((t) => t.health !== 'up')).toEqual([]);
    // Both fetchers, as two instances of one deployment.
    const fetchers = await (prometheus as LocalPrometheus).query(
      'count(up{job="tributary", deployment="fetcher"})',
    );
    expect(fetchers.data?.result[0]?.value?.[1]).toBe('2');
    // Every stage says whether it is ready, the transformer's primary included (it serves its workers' metrics).
    const ready = await (prometheus as LocalPrometheus).query('max by (service) (tributary_ready)');
    expect(new Map(ready.data?.result.map((r) => [r.metric.service, r.value?.[1]]))).toEqual(
      new Map([
        ['fetcher', '1'],
        ['transformer', '1'],
        ['writer', '1'],
      ]),
    );
  });

  it('runs every panel query without error, on exported metrics, with data where the traffic made some', async () => {
    const problems: string[] = [];
    let queries = 0;
    for (const dashboard of DASHBOARDS) {
      for (const panel of dashboard.panels) {
        for (const query of panel.queries) {
          queries++;
          problems.push(
            ...(await problemsOf(
              `${dashboard.title} / ${panel.title} / ${query.legend}`,
              query.expr,
              panel.mayBeEmpty !== undefined,
            )),
          );
        }
      }
    }
    expect(queries).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });

  it('evaluates every alert rule, and only the dead-letter alert fires on a healthy system that dead-lettered', async () => {
    const problems: string[] = [];
    for (const rule of ALERTS) problems.push(...(await problemsOf(`alert ${rule.alert}`, rule.expr, true)));
    expect(problems).toEqual([]);
    const prom = prometheus as LocalPrometheus;
    await waitFor(
      async () => (await prom.firingAlerts()).some((a) => a.name === 'TributaryDeadLettersGrowing'),
      {
        timeoutMs: 15_000,
        what: 'TributaryDeadLettersGrowing to fire for the 404s',
      },
    );
    const firing = await prom.firingAlerts();
    expect(firing.filter((a) => a.name !== 'TributaryDeadLettersGrowing')).toEqual([]);
    expect(firing.find((a) => a.name === 'TributaryDeadLettersGrowing')?.labels).toMatchObject({
      stage: 'fetch',
      reason: 'not-found',
    });
  });

  it('fires TributaryServiceDown and TributaryQueueWithoutConsumers when the writer is stopped', async () => {
    const p = pipeline as TestPipeline;
    const prom = prometheus as LocalPrometheus;
    p.system.kill('writer-1', 'SIGKILL');
    const lines = Array.from({ length: 10 }, (_, i) => `${p.demoUrl}/records/${9_300 + i}`);
    const enqueued = await p.cli(['enqueue', '-', '--batch', 'after-stop'], {
      stdin: `${lines.join('\n')}\n`,
    });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    await waitFor(
      async () => {
        const firing = await prom.firingAlerts();
        return (
          firing.some((a) => a.name === 'TributaryServiceDown' && a.labels.deployment === 'writer') &&
          firing.some(
            (a) => a.name === 'TributaryQueueWithoutConsumers' && /store\.docs$/.test(a.labels.queue ?? ''),
          )
        );
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the writer-down and no-consumer alerts to fire' },
    );
    // Nothing else broke: the fetchers and the transformer stay up.
    const firing = await prom.firingAlerts();
    expect(firing.filter((a) => a.name === 'TributaryServiceDown').map((a) => a.labels.deployment)).toEqual([
      'writer',
    ]);
  }, 90_000);
});
