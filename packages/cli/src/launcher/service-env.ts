import type { ProcessSpec } from './process-plan.ts';

/** What every process's environment is built from. */
export interface ServiceEnvContext {
  /** The launcher's own environment; everything in it passes through (TRIBUTARY_PREFIX, MONGO_DB…). */
  base: NodeJS.ProcessEnv;
  amqpUrl: string;
  mongoUrl: string;
  managementUrl: string | undefined;
  /** `host:port` of the demo API, which the fetchers' SSRF guard must let through; undefined without it. */
  demoHostPort: string | undefined;
  /** TRANSFORM_WORKERS for each transformer; undefined leaves the environment's or the service's default. */
  transformWorkers: number | undefined;
  /** Embedders run: the transformers hand their chunks to them (EMBED_ENABLED). */
  embed?: boolean;
}

/**
 * V8 sizes a heap from the machine's memory: on a large machine a busy service lets garbage pile up to hundreds of
 * megabytes before it collects (bench:memory measured the fetcher at 390 MB and a transformer worker at 520 MB on
 * a 24 GiB machine). These limits keep each process near 200 MB at full speed at no measured cost in throughput.
 * The image sets the same (Dockerfile); a flag the environment's NODE_OPTIONS already gives wins.
 */
export const SERVICE_HEAP_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=8'] as const;

/** NODE_OPTIONS with each of SERVICE_HEAP_FLAGS the options do not set already. */
export function withHeapFlags(nodeOptions: string | undefined): string {
  const options = (nodeOptions ?? '').trim();
  const missing = SERVICE_HEAP_FLAGS.filter((flag) => !options.includes(flag.slice(0, flag.indexOf('='))));
  return [options, ...missing].filter((part) => part !== '').join(' ');
}

/** Where processes bind when the environment does not say: loopback, like infra/local's servers. */
export const DEFAULT_BIND_HOST = '127.0.0.1';

/**
 * The environment of one process: the launcher's own, with the broker and database it found, the heap limits,
 * the process's port, and for the fetchers the demo API's host added to FETCH_ALLOW_HOSTS. The launcher decides the ports;
 * HTTP_HOST and DEMO_HOST default to loopback unless the environment sets them.
 */
export function serviceEnv(spec: ProcessSpec, context: ServiceEnvContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(context.base)) {
    if (value !== undefined) env[key] = value;
  }
  env.NODE_OPTIONS = withHeapFlags(env.NODE_OPTIONS);
  env.AMQP_URL = context.amqpUrl;
  env.MONGO_URL = context.mongoUrl;
  if (context.managementUrl !== undefined) env.RABBITMQ_MANAGEMENT_URL = context.managementUrl;
  switch (spec.service) {
    case 'demo-api':
      env.DEMO_PORT = String(spec.port);
      env.DEMO_HOST ??= DEFAULT_BIND_HOST;
      break;
    case 'fetcher':
      env.HTTP_PORT = String(spec.port);
      env.HTTP_HOST ??= DEFAULT_BIND_HOST;
      if (context.demoHostPort !== undefined) {
        env.FETCH_ALLOW_HOSTS = withHost(env.FETCH_ALLOW_HOSTS, context.demoHostPort);
      }
      break;
    case 'transformer':
      env.HTTP_PORT = String(spec.port);
      env.HTTP_HOST ??= DEFAULT_BIND_HOST;
      if (context.transformWorkers !== undefined) env.TRANSFORM_WORKERS = String(context.transformWorkers);
      env.EMBED_ENABLED = context.embed ? 'true' : 'false';
      break;
    case 'embedder':
    case 'writer':
      env.HTTP_PORT = String(spec.port);
      env.HTTP_HOST ??= DEFAULT_BIND_HOST;
      break;
  }
  return env;
}

/** A comma-separated host list with `host` in it once. */
function withHost(list: string | undefined, host: string): string {
  const hosts = (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set([...hosts, host])].join(',');
}

/** The address a process binds its port on: DEMO_HOST for the demo API, HTTP_HOST for the others. */
export function bindHost(spec: Pick<ProcessSpec, 'service'>, base: NodeJS.ProcessEnv): string {
  const configured = spec.service === 'demo-api' ? base.DEMO_HOST : base.HTTP_HOST;
  return configured?.trim() || DEFAULT_BIND_HOST;
}

/** The address to probe a process at: where it binds, or loopback when it binds every address. */
export function probeHost(bindHost: string | undefined): string {
  if (bindHost === undefined || bindHost === '' || bindHost === '0.0.0.0' || bindHost === '::') {
    return DEFAULT_BIND_HOST;
  }
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}
