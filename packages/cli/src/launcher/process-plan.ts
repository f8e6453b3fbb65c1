import { LaunchError } from './errors.ts';
import type { ServiceName } from './repo-paths.ts';

/** The stages in pipeline order: the order processes are listed and, for the services, stopped. */
export const PIPELINE_SERVICES = ['fetcher', 'transformer', 'embedder', 'writer'] as const;
export type PipelineService = (typeof PIPELINE_SERVICES)[number];

/** One process the launcher runs. */
export interface ProcessSpec {
  /** `demo-api`, `fetcher-1`, `transformer-2`…: the prefix of its log lines and the key of every call. */
  readonly name: string;
  readonly service: ServiceName;
  /**
   * The port of its `/metrics`, `/healthz` and `/readyz` (HTTP_PORT); for the demo API, its content port
   * (DEMO_PORT), which serves `/metrics` and `/healthz` beside the content.
   */
  readonly port: number;
  /** What says it is ready: `/readyz`, or `/healthz` for the demo API, which has no readiness endpoint. */
  readonly readyPath: '/readyz' | '/healthz';
}

export interface ProcessPlanInput {
  fetchers: number;
  transformers: number;
  /** 0 runs no embed stage: the transformers then feed the writers. */
  embedders?: number;
  writers: number;
  /** Whether the demo API runs beside the services. */
  demoApi: boolean;
  demoPort: number;
  /** The first service's HTTP port; the next services take the ports after it, in pipeline order. */
  httpPortBase: number;
}

const MAX_PORT = 65_535;

/**
 * The processes to run, in pipeline order (demo API first, then fetchers, transformers, writers), each
 * service on its own HTTP port counted up from `httpPortBase`. Throws a LaunchError when a port falls outside
 * 1..65535 or the demo API's port is one of the services'.
 */
export function planProcesses(input: ProcessPlanInput): ProcessSpec[] {
  const counts: Record<PipelineService, number> = {
    fetcher: input.fetchers,
    transformer: input.transformers,
    embedder: input.embedders ?? 0,
    writer: input.writers,
  };
  for (const [service, count] of Object.entries(counts)) {
    const least = service === 'embedder' ? 0 : 1;
    if (!Number.isInteger(count) || count < least) {
      throw new LaunchError(
        'invalid-options',
        `${service} replicas must be an integer ≥ ${least}, got ${count}`,
      );
    }
  }
  const total = input.fetchers + input.transformers + counts.embedder + input.writers;
  const last = input.httpPortBase + total - 1;
  if (!Number.isInteger(input.httpPortBase) || input.httpPortBase < 1 || last > MAX_PORT) {
    throw new LaunchError(
      'invalid-options',
      `the HTTP ports ${input.httpPortBase}..${last} of the ${total} services must lie within 1..${MAX_PORT}`,
    );
  }
  const specs: ProcessSpec[] = [];
  if (input.demoApi) {
    if (!Number.isInteger(input.demoPort) || input.demoPort < 1 || input.demoPort > MAX_PORT) {
      throw new LaunchError(
        'invalid-options',
        `the demo API's port must be 1..${MAX_PORT}, got ${input.demoPort}`,
      );
    }
    if (input.demoPort >= input.httpPortBase && input.demoPort <= last) {
      throw new LaunchError(
        'invalid-options',
        `the demo API's port ${input.demoPort} is one of the services' HTTP ports ` +
          `${input.httpPortBase}..${last}; choose another demo port or HTTP port base`,
      );
    }
    specs.push({ name: 'demo-api', service: 'demo-api', port: input.demoPort, readyPath: '/healthz' });
  }
  let port = input.httpPortBase;
  for (const service of PIPELINE_SERVICES) {
    for (let replica = 1; replica <= counts[service]; replica++) {
      specs.push({ name: `${service}-${replica}`, service, port, readyPath: '/readyz' });
      port++;
    }
  }
  return specs;
}

/**
 * The order of a graceful stop, one group at a time: fetchers first (no new records enter the pipeline), then
 * transformers, then writers (which flush what reached them), then the demo API, which nothing needs now.
 */
export function stopOrder<T>(items: readonly T[], serviceOf: (item: T) => ServiceName): T[][] {
  const order: readonly ServiceName[] = [...PIPELINE_SERVICES, 'demo-api'];
  return order
    .map((service) => items.filter((item) => serviceOf(item) === service))
    .filter((group) => group.length > 0);
}
