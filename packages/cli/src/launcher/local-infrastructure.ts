import type { Logger } from '@tributary/core';
import { LaunchError } from './errors.ts';
import type { TextLevel } from './log-render.ts';
import { infraScriptPath } from './repo-paths.ts';
import { runCommand } from './run-command.ts';

/** The broker and database the services use. */
export interface Endpoints {
  amqpUrl: string;
  mongoUrl: string;
  /** The RabbitMQ management API, credentials included; undefined when nothing says where it is. */
  managementUrl: string | undefined;
  /** `environment`: AMQP_URL and MONGO_URL were set; `infra-local`: infra/local's servers. */
  source: 'environment' | 'infra-local';
}

/** The variables that point a service or a `tributary` command at `endpoints`. */
export function endpointEnv(endpoints: Endpoints): Record<string, string> {
  return {
    AMQP_URL: endpoints.amqpUrl,
    MONGO_URL: endpoints.mongoUrl,
    ...(endpoints.managementUrl === undefined ? {} : { RABBITMQ_MANAGEMENT_URL: endpoints.managementUrl }),
  };
}

/** The servers infra/local runs, each with its own script: `infra/local/<server>.sh start|stop|status`. */
const SERVERS = ['rabbitmq', 'ferretdb'] as const;
type Server = (typeof SERVERS)[number];
/** What `<server>.sh status` exits with when the server runs. */
const RUNNING = 0;

/**
 * The endpoints the environment names, or undefined when it names neither AMQP_URL nor MONGO_URL. Naming only
 * one of them is an error: the launcher would otherwise mix the user's server with one of its own.
 */
export function endpointsFromEnv(env: NodeJS.ProcessEnv): Endpoints | undefined {
  const amqpUrl = env.AMQP_URL?.trim() || undefined;
  const mongoUrl = env.MONGO_URL?.trim() || undefined;
  if (amqpUrl === undefined && mongoUrl === undefined) return undefined;
  if (amqpUrl === undefined || mongoUrl === undefined) {
    const [set, unset] = amqpUrl === undefined ? ['MONGO_URL', 'AMQP_URL'] : ['AMQP_URL', 'MONGO_URL'];
    throw new LaunchError(
      'infrastructure-failed',
      `${set} is set but ${unset} is not: set both to use your own broker and database, or neither to have ` +
        "infra/local's RabbitMQ and FerretDB started",
    );
  }
  return {
    amqpUrl,
    mongoUrl,
    managementUrl: env.RABBITMQ_MANAGEMENT_URL?.trim() || undefined,
    source: 'environment',
  };
}

/** The variables of `export NAME=value` lines (what infra/local/env.sh prints). */
export function parseExportLines(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) continue;
    variables[match[1]] = unquote((match[2] ?? '').trim());
  }
  return variables;
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.at(-1) === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}

export interface LocalInfrastructureOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** The scripts' progress lines. */
  onLine: (line: string, level: TextLevel) => void;
}

/**
 * The broker and database for a run: the environment's when AMQP_URL and MONGO_URL are set (nothing is
 * started: that is how tests run the system against their own servers), otherwise infra/local's RabbitMQ and
 * FerretDB, started unless they already run. `stop()` stops exactly the servers this instance started.
 */
export class LocalInfrastructure {
  readonly #options: LocalInfrastructureOptions;
  /** The servers that were not running before `start()`: the ones to stop. */
  #started: Server[] = [];
  #stopping: Promise<void> | undefined;

  constructor(options: LocalInfrastructureOptions) {
    this.#options = options;
  }

  /** Whether this instance started any server (and so will stop it). */
  get startedServers(): readonly string[] {
    return this.#started;
  }

  async start(signal?: AbortSignal): Promise<Endpoints> {
    const fromEnv = endpointsFromEnv(this.#options.env);
    const { logger } = this.#options;
    if (fromEnv) {
      logger.info('using the broker and database of AMQP_URL and MONGO_URL; starting no infrastructure');
      return fromEnv;
    }
    logger.info("AMQP_URL and MONGO_URL are not set: starting infra/local's RabbitMQ and FerretDB");
    const before = await Promise.all(
      SERVERS.map((server) => this.#script(`${server}.sh`, ['status'], signal)),
    );
    // Marked before starting: a start cut short may still have started a server, which stop() then stops.
    this.#started = SERVERS.filter((_, index) => before[index]?.code !== RUNNING);
    const start = await this.#script('start.sh', [], signal);
    if (start.code !== 0) {
      throw new LaunchError(
        'infrastructure-failed',
        `infra/local/start.sh exited with ${start.code ?? start.signal}: ` +
          (start.stderrTail.at(-1) ?? 'no output'),
        { lastLines: start.stderrTail },
      );
    }
    const env = await this.#script('env.sh', [], signal);
    const variables = parseExportLines(env.stdout);
    const { AMQP_URL: amqpUrl, MONGO_URL: mongoUrl } = variables;
    if (env.code !== 0 || amqpUrl === undefined || mongoUrl === undefined) {
      throw new LaunchError(
        'infrastructure-failed',
        'infra/local/env.sh did not print AMQP_URL and MONGO_URL',
        {
          lastLines: env.stderrTail,
        },
      );
    }
    return { amqpUrl, mongoUrl, managementUrl: variables.RABBITMQ_MANAGEMENT_URL, source: 'infra-local' };
  }

  /** Stops the servers `start()` started (FerretDB, then RabbitMQ); idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const servers = [...this.#started].reverse();
    if (servers.length === 0) return;
    this.#options.logger.info({ servers }, 'stopping the servers this run started');
    for (const server of servers) {
      const result = await this.#script(`${server}.sh`, ['stop']);
      if (result.code !== 0) {
        this.#options.logger.error(
          { server, code: result.code, lastLines: result.stderrTail },
          `infra/local/${server}.sh stop failed`,
        );
      }
    }
  }

  #script(script: string, args: readonly string[], signal?: AbortSignal) {
    return runCommand('bash', [infraScriptPath(script), ...args], {
      env: this.#options.env,
      ...(signal ? { signal } : {}),
      // Progress goes to stderr; stdout has the export lines, credentials included, which are not shown.
      onLine: (line, level, stream) => {
        if (stream === 'stderr') this.#options.onLine(line, level);
      },
    });
  }
}
