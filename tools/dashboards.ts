// The Grafana dashboards, generated from one list of panels so that the dashboards, their live check
// (test/e2e/observability.test.ts) and their pictures (npm run dashboards:render) read the same queries:
//   node tools/dashboards.ts          writes infra/grafana/dashboards/*.json
//   node tools/dashboards.ts --check  exits 1 and names the dashboards whose file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIR = fileURLToPath(new URL('../infra/grafana/dashboards/', import.meta.url));

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  unit: string;
  queries: PanelQuery[];
  /**
   * Why this panel may show nothing after the checked traffic (a failure the traffic does not cause); a panel
   * without it must show data, or the live check fails.
   */
  mayBeEmpty?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  panels: PanelSpec[];
}

/** Rates over Grafana's own interval; the live check and the pictures put a fixed window in its place. */
const RATE = '$__rate_interval';
/** The stages' own queues: work, retry and dead-letter queues, not the delay queues. */
const STAGE_QUEUES =
  'queue=~"(.+\\\\.)?(fetch\\\\.jobs|transform\\\\.raw|embed\\\\.chunks|store\\\\.docs|(fetch|transform|embed|store)\\\\.dead)"';
const WORK_QUEUES = 'queue=~"(.+\\\\.)?(fetch\\\\.jobs|transform\\\\.raw|embed\\\\.chunks|store\\\\.docs)"';

const quantiles = (metric: string, by: string[], legend: (q: string) => string): PanelQuery[] =>
  ['0.5', '0.99'].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${['le', ...by].join(', ')}) (rate(${metric}_bucket[${RATE}])))`,
    legend: legend(q === '0.5' ? 'p50' : 'p99'),
  }));

const processPanels: PanelSpec[] = [
  {
    title: 'CPU per service and replica',
    unit: 'percentunit',
    queries: [
      {
        expr: `sum by (service, instance) (rate(tributary_process_cpu_seconds_total[${RATE}]))`,
        legend: '{{service}} {{instance}}',
      },
    ],
  },
  {
    title: 'Resident memory per service and replica',
    unit: 'bytes',
    queries: [
      {
        expr: 'sum by (service, instance) (tributary_process_resident_memory_bytes)',
        legend: '{{service}} {{instance}}',
      },
    ],
  },
  {
    title: 'Event-loop lag p99 per service and replica',
    unit: 's',
    queries: [
      {
        expr: 'max by (service, instance) (tributary_nodejs_eventloop_lag_p99_seconds)',
        legend: '{{service}} {{instance}}',
      },
    ],
  },
];

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'tributary-overview',
    title: 'Tributary: overview',
    description: 'Work through the stages, what waits in the broker, what failed, and the processes',
    panels: [
      {
        title: 'Throughput per stage (messages done)',
        unit: 'ops',
        queries: [
          { expr: `sum by (stage) (rate(tributary_messages_acked_total[${RATE}]))`, legend: '{{stage}}' },
        ],
      },
      {
        title: 'Queue depth (ready messages)',
        unit: 'short',
        queries: [
          {
            expr: `sum by (vhost, queue) (rabbitmq_detailed_queue_messages_ready{${STAGE_QUEUES}})`,
            legend: '{{vhost}} {{queue}}',
          },
        ],
      },
      {
        title: 'Consumers per work queue',
        unit: 'short',
        queries: [
          {
            expr: `sum by (vhost, queue) (rabbitmq_detailed_queue_consumers{${WORK_QUEUES}})`,
            legend: '{{vhost}} {{queue}}',
          },
        ],
      },
      {
        title: 'End-to-end lag: fetched to stored',
        unit: 's',
        queries: quantiles('tributary_pipeline_lag_seconds', [], (q) => q),
      },
      {
        title: 'Batch progress: jobs ended by outcome (last hour)',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (outcome) (increase(tributary_batch_jobs_ended_total[1h]))',
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Progress: jobs fetched and sources stored (last hour)',
        unit: 'short',
        queries: [
          {
            expr: 'sum(increase(tributary_fetch_requests_total{outcome=~"done|dead"}[1h]))',
            legend: 'jobs finished by the fetcher',
          },
          { expr: 'sum(increase(tributary_writer_sources_written_total[1h]))', legend: 'sources stored' },
        ],
      },
      {
        title: 'Retries by stage and reason',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (stage, reason) (rate(tributary_messages_retried_total[${RATE}]))`,
            legend: '{{stage}} {{reason}}',
          },
        ],
      },
      {
        title: 'Dead letters by stage and reason (last hour)',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (stage, reason) (increase(tributary_messages_dead_lettered_total[1h]))',
            legend: '{{stage}} {{reason}}',
          },
        ],
      },
      {
        title: 'Ready (1) per service and replica',
        unit: 'short',
        queries: [
          { expr: 'max by (service, instance) (tributary_ready)', legend: '{{service}} {{instance}}' },
        ],
      },
      ...processPanels,
    ],
  },
  {
    uid: 'tributary-fetcher',
    title: 'Tributary: fetcher',
    description: 'Requests by host, latency, breakers, per-host rates and deferrals',
    panels: [
      {
        title: 'Requests by host and status class',
        unit: 'reqps',
        queries: [
          {
            expr: `sum by (host, status_class) (rate(tributary_fetch_requests_total[${RATE}]))`,
            legend: '{{host}} {{status_class}}',
          },
        ],
      },
      {
        title: 'Request latency by host',
        unit: 's',
        queries: quantiles('tributary_fetch_request_duration_seconds', ['host'], (q) => `{{host}} ${q}`),
      },
      {
        title: 'Breaker state by host (0 closed, 1 half-open, 2 open)',
        unit: 'short',
        queries: [{ expr: 'max by (host) (tributary_fetch_circuit_state)', legend: '{{host}}' }],
      },
      {
        title: 'Breaker transitions by host',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (host, to) (increase(tributary_fetch_circuit_transitions_total[1h]))',
            legend: '{{host}} → {{to}}',
          },
        ],
        mayBeEmpty: 'a breaker changes state only when a host fails',
      },
      {
        title: 'Per-host rate now (requests/s, across replicas)',
        unit: 'reqps',
        queries: [{ expr: 'min by (host) (tributary_fetch_host_rate)', legend: '{{host}}' }],
      },
      {
        title: 'Deferrals by reason',
        unit: 'ops',
        queries: [
          { expr: `sum by (reason) (rate(tributary_fetch_deferred_total[${RATE}]))`, legend: '{{reason}}' },
        ],
        mayBeEmpty: 'jobs are deferred only when a breaker is open, a host is busy or a fetcher stops',
      },
      {
        title: 'Requests in flight and jobs waiting for their host',
        unit: 'short',
        queries: [
          {
            expr: 'sum by (instance) (tributary_fetch_requests_in_flight)',
            legend: 'in flight {{instance}}',
          },
          { expr: 'sum by (instance) (tributary_fetch_requests_waiting)', legend: 'waiting {{instance}}' },
        ],
      },
      {
        title: 'Fetchers sharing the hosts',
        unit: 'short',
        queries: [{ expr: 'max(tributary_fetch_replicas)', legend: 'replicas' }],
      },
    ],
  },
  {
    uid: 'tributary-transformer',
    title: 'Tributary: transformer',
    description: 'Records transformed, how long it takes, chunks per record, errors and workers',
    panels: [
      {
        title: 'Records by outcome',
        unit: 'ops',
        queries: [
          {
            expr: `sum by (outcome) (rate(tributary_transform_records_total[${RATE}]))`,
            legend: '{{outcome}}',
          },
        ],
      },
      {
        title: 'Transform duration',
        unit: 's',
        queries: quantiles('tributary_transform_duration_seconds', ['kind'], (q) => `{{kind}} ${q}`),
      },
      {
        title: 'Chunks per record',
        unit: 'short',
        queries: quantiles('tributary_transform_chunks_per_record', [], (q) => q),
      },
      {
        title: 'Transform errors by reason (last hour)',
        mayBeEmpty: 'the checked traffic has no content the transform refuses',
        unit: 'short',
        queries: [
          { expr: 'sum by (reason) (increase(tributary_transform_errors_total[1h]))', legend: '{{reason}}' },
        ],
      },
      {
        title: 'Workers by state',
        unit: 'short',
        queries: [{ expr: 'sum by (state) (tributary_transform_workers)', legend: '{{state}}' }],
      },
      {
        title: 'Worker restarts and thread replacements (last hour)',
        mayBeEmpty: 'workers and threads are replaced only when they crash',
        unit: 'short',
        queries: [
          { expr: 'sum(increase(tributary_transform_worker_restarts_total[1h]))', legend: 'worker restarts' },
          {
            expr: 'sum by (reason) (increase(tributary_transform_thread_replacements_total[1h]))',
            legend: 'threads replaced: {{reason}}',
          },
        ],
      },
    ],
  },
  {
    uid: 'tributary-writer',
    title: 'Tributary: writer',
    description: 'Documents written, batch sizes, flush latency, lag and failures',
    panels: [
      {
        title: 'Documents by result',
        unit: 'ops',
        queries: [
          { expr: `sum by (result) (rate(tributary_writer_documents_total[${RATE}]))`, legend: '{{result}}' },
        ],
      },
      {
        title: 'Batch size (documents)',
        unit: 'short',
        queries: quantiles('tributary_writer_batch_documents', [], (q) => q),
      },
      {
        title: 'Flush latency',
        unit: 's',
        queries: quantiles('tributary_writer_flush_duration_seconds', [], (q) => q),
      },
      {
        title: 'Lag: transformed to stored',
        unit: 's',
        queries: quantiles('tributary_writer_lag_seconds', [], (q) => q),
      },
      {
        title: 'Failures by reason (last hour)',
        unit: 'short',
        queries: [
          { expr: 'sum by (reason) (increase(tributary_writer_failures_total[1h]))', legend: '{{reason}}' },
        ],
        mayBeEmpty: 'the writer fails only when the database does, or refuses a document',
      },
      {
        title: 'Documents waiting for a batch; database ready',
        unit: 'short',
        queries: [
          { expr: 'sum by (instance) (tributary_writer_pending_documents)', legend: 'pending {{instance}}' },
          {
            expr: 'min by (instance) (tributary_writer_database_ready)',
            legend: 'database ready {{instance}}',
          },
        ],
      },
    ],
  },
];

/** One dashboard as Grafana's JSON model: time series panels, two to a row, on the provisioned data source. */
export function renderDashboard(spec: DashboardSpec): string {
  const panels = spec.panels.map((panel, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: panel.title,
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: panel.queries.map((query, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource: { type: 'prometheus', uid: 'prometheus' },
      expr: query.expr,
      legendFormat: query.legend,
    })),
  }));
  const model = {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['tributary'],
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    panels,
  };
  return `${JSON.stringify(model, null, 2)}\n`;
}

export const dashboardFile = (spec: DashboardSpec) => `${DASHBOARD_DIR}${spec.uid}.json`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const spec of DASHBOARDS) {
    const wanted = renderDashboard(spec);
    const file = dashboardFile(spec);
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {}
    if (current === wanted) continue;
    if (check) stale.push(file);
    else writeFileSync(file, wanted);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `dashboards differ from tools/dashboards.ts: ${stale.join(', ')} (run npm run dashboards:build)\n`,
    );
    process.exit(1);
  }
}
