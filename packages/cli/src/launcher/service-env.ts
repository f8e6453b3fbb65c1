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
}

/** Where processes bind when the environment does not say: loopback, like infra/local's servers. */
export const DEFAULT_BIND_HOST = '127.0.0.1';

/**
 * The environment of one process: the launcher's own, with the broker and database it found, the process's
 * port, and for the fetchers the demo API's host added to FETCH_ALLOW_HOSTS. The launcher decides the ports;
 * HTTP_HOST and DEMO_HOST default to loopback unless the environment sets them.
 */
export function serviceEnv(spec: ProcessSpec, context: ServiceEnvContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(context.base)) {
    if (value !== undefined) env[key] = value;
  }
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
      break;
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
