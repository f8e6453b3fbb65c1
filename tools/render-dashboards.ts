// Pictures of the Grafana dashboards, drawn from a live Prometheus: the whole system runs (the launcher of
// `tributary up`), a real Prometheus scrapes it with the compose configuration, traffic with faults flows for a
// while (upstream errors, 429s, 404s, a host that refuses connections), and every panel's queries are read over
// that time and plotted with Vega-Lite, one SVG per dashboard under docs/dashboards.
//   npm run dashboards:render            (local services up: eval "$(bash infra/local/env.sh)")
//   RENDER_TRAFFIC_SECONDS=90            how long the traffic flows
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { startDroppingHost } from '../test/support/dropping-host.ts';
import { LocalPrometheus, runnableExpr } from '../test/support/observability.ts';
import { TestPipeline } from '../test/support/pipeline.ts';
import { DASHBOARDS, type DashboardSpec } from './dashboards.ts';

const TRAFFIC_SECONDS = Number(process.env.RENDER_TRAFFIC_SECONDS ?? 90);
const ROUND_SECONDS = 5;
const OUT_DIR = fileURLToPath(new URL('../docs/dashboards/', import.meta.url));
/** The rate window of the pictures: a few scrapes, short enough to show the traffic's shape. */
const RATE_WINDOW = '15s';

interface Point {
  t: number;
  value: number;
  series: string;
}

/** `{{host}} p99` with the series' labels put in, as Grafana does with a legend format. */
function legendOf(format: string, labels: Record<string, string>): string {
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

async function panelPoints(
  prometheus: LocalPrometheus,
  queries: DashboardSpec['panels'][number]['queries'],
  start: number,
  end: number,
): Promise<Point[]> {
  const points: Point[] = [];
  for (const query of queries) {
    const result = await prometheus.queryRange(runnableExpr(query.expr, RATE_WINDOW), start, end, 2);
    if (result.status !== 'success') throw new Error(`${query.expr}: ${result.error}`);
    for (const series of result.data?.result ?? []) {
      const name = legendOf(query.legend, series.metric);
      for (const [t, raw] of series.values ?? []) {
        const value = Number(raw);
        if (Number.isFinite(value)) points.push({ t: t * 1000, value, series: name });
      }
    }
  }
  return points;
}

async function render(dashboard: DashboardSpec, prometheus: LocalPrometheus, start: number, end: number) {
  const panels = [];
  for (const panel of dashboard.panels) {
    const values = await panelPoints(prometheus, panel.queries, start, end);
    panels.push({
      title: values.length === 0 ? `${panel.title} (no data: ${panel.mayBeEmpty ?? 'none'})` : panel.title,
      width: 440,
      height: 150,
      data: { values },
      mark: { type: 'line' as const, strokeWidth: 1.5 },
      encoding: {
        x: { field: 't', type: 'temporal' as const, title: null },
        y: { field: 'value', type: 'quantitative' as const, title: panel.unit },
        color: {
          field: 'series',
          type: 'nominal' as const,
          title: null,
          legend: { orient: 'bottom' as const, columns: 2, labelLimit: 220 },
        },
      },
    });
  }
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: dashboard.title, subtitle: dashboard.description, anchor: 'start', fontSize: 16 },
    background: 'white',
    columns: 2,
    concat: panels,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: { font: 'sans-serif', title: { fontSize: 12, anchor: 'start' }, view: { stroke: '#ddd' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const file = `${OUT_DIR}${dashboard.uid}.svg`;
  await writeFile(file, svg);
  return file;
}

async function main(): Promise<void> {
  const rabbitmqPrometheusUrl = process.env.RABBITMQ_PROMETHEUS_URL;
  if (rabbitmqPrometheusUrl === undefined) throw new Error('eval "$(bash infra/local/env.sh)" first');
  // A host that is down: its breaker opens.
  const refusing = await startDroppingHost();
  const deadHost = refusing.host;
  const pipeline = await TestPipeline.start({
    fetchers: 2,
    env: { FETCH_ALLOW_HOSTS: deadHost, FETCH_MAX_ATTEMPTS: '3', FETCH_BREAKER_RESET_MS: '10000' },
  });
  let prometheus: LocalPrometheus | undefined;
  try {
    prometheus = await LocalPrometheus.start({
      processes: pipeline.system.processes(),
      rabbitmqPrometheusUrl,
      demoPort: pipeline.demoPort,
    });
    const start = Date.now() / 1000;
    const rounds = Math.max(1, Math.floor(TRAFFIC_SECONDS / ROUND_SECONDS));
    for (let round = 0; round < rounds; round++) {
      const base = 20_000 + round * 100;
      const demo = pipeline.demoUrl;
      const lines = [
        ...Array.from({ length: 20 }, (_, i) => `${demo}/records/${base + i}?latency=200&jitter=1`),
        ...Array.from({ length: 10 }, (_, i) => `${demo}/pages/${base + i}?latency=200`),
        `${demo}/records/${base + 50}?failFirst=1`,
        `${demo}/records/${base + 51}?failFirst=1&failStatus=429&retryAfter=1`,
        `${demo}/records/${base + 52}?status=404`,
        ...(round < rounds / 2
          ? Array.from({ length: 8 }, (_, i) => `http://${deadHost}/doc/${round * 10 + i}`)
          : []),
      ];
      const enqueued = await pipeline.cli(['enqueue', '-', '--batch', `render-${round}`], {
        stdin: `${lines.join('\n')}\n`,
      });
      if (enqueued.code !== 0) throw new Error(`enqueue failed: ${enqueued.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, ROUND_SECONDS * 1000));
    }
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const end = Date.now() / 1000;
    await mkdir(OUT_DIR, { recursive: true });
    for (const dashboard of DASHBOARDS) {
      process.stdout.write(`${await render(dashboard, prometheus, start - 10, end)}\n`);
    }
  } finally {
    await prometheus?.stop();
    await pipeline.stop();
    refusing.close();
  }
}

await main();
