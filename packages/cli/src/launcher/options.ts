import { createLogger, type Logger } from '@tributary/core';
import type { TextLevel } from './log-render.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy.ts';

/** How to run the system; every field has a default. */
export interface LocalSystemOptions {
  /** Processes per stage, each its own process with its own HTTP port (default 1 each). */
  fetchers?: number;
  transformers?: number;
  /** Embedders (the optional embed stage, docs/architecture.md §18); 0, the default, runs none. */
  embedders?: number;
  writers?: number;
  /**
   * TRANSFORM_WORKERS of each transformer; by default the environment's, else the service's (one per core).
   */
  transformWorkers?: number | undefined;
  /** Run the demo API beside the services (default true). */
  demoApi?: boolean;
  /** The demo API's port (DEMO_PORT; default 8080). */
  demoPort?: number;
  /** HTTP_PORT of the first service; the others count up in pipeline order (default 9464). */
  httpPortBase?: number;
  /**
   * The environment every process inherits (default process.env). AMQP_URL and MONGO_URL in it mean: use
   * those servers and start no infrastructure; without them infra/local's RabbitMQ and FerretDB are started.
   */
  env?: NodeJS.ProcessEnv;
  /** How long every process has to answer its readiness endpoint with 200 (default 120 s). */
  readyTimeoutMs?: number;
  /** How long a graceful stop may take, all stages together, before what is left is killed (default 60 s). */
  gracePeriodMs?: number;
  /** When a process that died on its own is restarted; false: never (it is reported all the same). */
  restart?: RestartPolicy | false;
  /** The launcher's own log (default: silent). */
  logger?: Logger;
  /** Every output line of every process, and of the infra/local scripts (as `infra`). */
  onLine?: (processName: string, line: string, textLevel: TextLevel) => void;
  /** The Node.js binary the services run on (default: the one running this). */
  nodePath?: string;
  /** The services' working directory (default: this process's). */
  cwd?: string;
}

export type ResolvedLocalSystemOptions = Required<Omit<LocalSystemOptions, 'transformWorkers'>> & {
  transformWorkers: number | undefined;
};

export const LOCAL_SYSTEM_DEFAULTS = {
  fetchers: 1,
  transformers: 1,
  embedders: 0,
  writers: 1,
  demoApi: true,
  demoPort: 8080,
  httpPortBase: 9464,
  readyTimeoutMs: 120_000,
  gracePeriodMs: 60_000,
} as const;

/** The one place defaults are applied. */
export function resolveLocalSystemOptions(options: LocalSystemOptions): ResolvedLocalSystemOptions {
  return {
    ...LOCAL_SYSTEM_DEFAULTS,
    env: process.env,
    restart: DEFAULT_RESTART_POLICY,
    logger: createLogger({ service: 'local-system', level: 'silent' }),
    onLine: () => {},
    nodePath: process.execPath,
    cwd: process.cwd(),
    ...withoutUndefined(options),
    transformWorkers: options.transformWorkers,
  };
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
