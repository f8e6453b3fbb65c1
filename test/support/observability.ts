import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessInfo } from '@tributary/cli';
import { parse, stringify } from 'yaml';
import { freePortRange } from './ports.ts';
import { waitFor } from './wait-for.ts';

/**
 * A real Prometheus (the `prometheus` binary, Debian's package) scraping a running system with the compose
 * stack's scrape configuration (infra/prometheus/prometheus.yml) and alert rules, its targets swapped for the
 * local processes: the dashboards' live check and their pictures read it through its HTTP API.
 */

const REPO = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export interface ScrapeTargets {
  processes: readonly ProcessInfo[];
  /** RabbitMQ's Prometheus endpoint, `http://host:port`. */
  rabbitmqPrometheusUrl: string;
  demoPort: number;
}

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  dns_sd_configs?: unknown;
  relabel_configs?: unknown;
}

/** Where the compose configuration's DNS names point here, by job. */
function localTargets(job: string, targets: ScrapeTargets): NonNullable<ScrapeConfig['static_configs']> {
  const rabbitmq = new URL(targets.rabbitmqPrometheusUrl).host;
  switch (job) {
    case 'tributary': {
      // Compose's DNS discovery labels each target with its service name as `deployment`; the same here.
      const byService = new Map<string, string[]>();
      for (const p of targets.processes) {
        if (p.service === 'demo-api') continue;
        byService.set(p.service, [...(byService.get(p.service) ?? []), `127.0.0.1:${p.httpPort}`]);
      }
      return [...byService].map(([deployment, list]) => ({ targets: list, labels: { deployment } }));
    }
    case 'demo-api':
      return [{ targets: [`127.0.0.1:${targets.demoPort}`] }];
    case 'rabbitmq':
    case 'rabbitmq-queues':
      return [{ targets: [rabbitmq] }];
    default:
      throw new Error(`infra/prometheus/prometheus.yml has a job "${job}" the local check does not know`);
  }
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
}

/** The alert rules of infra/prometheus/alerts.yml, as groups of rules. */
export async function readAlertRules(): Promise<{ groups: { name: string; rules: AlertRule[] }[] }> {
  return parse(await readFile(REPO('infra/prometheus/alerts.yml'), 'utf8'));
}

/**
 * The compose Prometheus configuration with local targets and a one-second rhythm. With `alertsFor: '0s'`, the
 * alert rules keep their expressions and lose their `for:` waits, so that a test sees an alert fire in seconds.
 */
export async function localPrometheusConfig(
  targets: ScrapeTargets,
  dir: string,
  options: { alertsFor?: string } = {},
): Promise<string> {
  const config = parse(await readFile(REPO('infra/prometheus/prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  const rules = await readAlertRules();
  if (options.alertsFor !== undefined) {
    for (const group of rules.groups) for (const rule of group.rules) rule.for = options.alertsFor;
  }
  await writeFile(join(dir, 'alerts.yml'), stringify(rules));
  config.global = {
    ...config.global,
    scrape_interval: '1s',
    scrape_timeout: '900ms',
    evaluation_interval: '1s',
  };
  config.rule_files = [join(dir, 'alerts.yml')];
  config.scrape_configs = config.scrape_configs.map((job) => {
    const { dns_sd_configs: _dns, relabel_configs: _relabel, ...kept } = job;
    return { ...kept, static_configs: localTargets(job.job_name, targets) };
  });
  const file = join(dir, 'prometheus.yml');
  await writeFile(file, stringify(config));
  return file;
}

export interface PrometheusQueryResult {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  };
}

export class LocalPrometheus {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #output = '';

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#child = child;
    this.#dir = dir;
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(targets: ScrapeTargets, options: { alertsFor?: string } = {}): Promise<LocalPrometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-prometheus-'));
    const config = await localPrometheusConfig(targets, dir, options);
    const port = await freePortRange(1);
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const spawned = await Promise.race([
      once(child, 'spawn').then(() => undefined),
      once(child, 'error').then(([err]) => err as NodeJS.ErrnoException),
    ]);
    if (spawned !== undefined) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(
        spawned.code === 'ENOENT'
          ? 'prometheus is not installed: run `bash infra/local/tools.sh prometheus` (Debian package prometheus)'
          : `prometheus did not start: ${spawned.message}`,
      );
    }
    const prometheus = new LocalPrometheus(`http://127.0.0.1:${port}`, child, dir);
    await waitFor(
      async () => (await fetch(`${prometheus.url}/-/ready`).catch(() => undefined))?.ok === true,
      {
        timeoutMs: 30_000,
        what: `prometheus to be ready (${prometheus.#output.slice(-500)})`,
      },
    );
    return prometheus;
  }

  async query(expr: string, at?: number): Promise<PrometheusQueryResult> {
    const params = new URLSearchParams({ query: expr });
    if (at !== undefined) params.set('time', String(at));
    const response = await fetch(`${this.url}/api/v1/query?${params}`);
    return (await response.json()) as PrometheusQueryResult;
  }

  async queryRange(
    expr: string,
    start: number,
    end: number,
    stepSeconds: number,
  ): Promise<PrometheusQueryResult> {
    const params = new URLSearchParams({
      query: expr,
      start: String(start),
      end: String(end),
      step: String(stepSeconds),
    });
    const response = await fetch(`${this.url}/api/v1/query_range?${params}`);
    return (await response.json()) as PrometheusQueryResult;
  }

  /** Alerts firing now, by name. */
  async firingAlerts(): Promise<{ name: string; labels: Record<string, string> }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    return body.data.alerts
      .filter((a) => a.state === 'firing')
      .map((a) => ({ name: a.labels.alertname ?? '', labels: a.labels }));
  }

  /** Every scrape target's health: job, instance, whether the last scrape succeeded, and its error. */
  async targets(): Promise<{ job: string; instance: string; health: string; lastError: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job ?? '',
      instance: t.labels.instance ?? '',
      health: t.health,
      lastError: t.lastError,
    }));
  }

  output(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      this.#child.kill('SIGTERM');
      await once(this.#child, 'exit');
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** A dashboard query as Prometheus can run it: Grafana's interval variables given fixed windows. */
export function runnableExpr(expr: string, rateWindow = '30s'): string {
  return expr.replaceAll('$__rate_interval', rateWindow);
}

const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'unless',
  'and',
  'or',
  'rate',
  'increase',
  'irate',
  'histogram_quantile',
  'le',
  'offset',
  'bool',
  'topk',
  'bottomk',
  'abs',
  'clamp_min',
  'clamp_max',
  'delta',
  'deriv',
  'time',
  'vector',
  'scalar',
  'label_replace',
]);

/** The metric names an expression reads (identifiers outside label matchers, strings and grouping lists). */
export function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutMatchers = withoutStrings
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of withoutMatchers.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    if (PROMQL_WORDS.has(name) || /^\d/.test(name)) continue;
    // A range like [30s] or [1h] leaves its unit behind; durations are not metric names.
    if (/^\d*[smhdwy]$/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * The metric families the processes export, read from their own `/metrics` (`# TYPE` lines: a counter with
 * labels that was never incremented has no series in Prometheus yet, but is exported), with the series names
 * a histogram and a summary expose.
 */
export async function exportedMetricNames(urls: readonly string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name = '', type] = match;
      names.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
    }
  }
  return names;
}
