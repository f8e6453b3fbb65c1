import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseExportLines } from '../../packages/cli/src/launcher/local-infrastructure.ts';
import { freeBrokerPortRange } from './ports.ts';
import { type QueueInfo, RabbitMQManagement } from './rabbitmq-management.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../infra/local/rabbitmq-cluster.sh', import.meta.url));

/**
 * The ports a cluster takes from its base: AMQP base…base+2, management base+3…base+5, Prometheus
 * base+6…base+8; and each node's Erlang distribution port, its AMQP port + 20000.
 */
const PORTS_FROM_BASE = 9;
/** A fresh start boots three nodes on two cores and joins two of them: some 30 s, more on a busy machine. */
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 120_000;

export type NodeIndex = 0 | 1 | 2;

/** What the management API says of a quorum queue, beyond {@link QueueInfo}. */
export interface QuorumQueueInfo extends QueueInfo {
  /** The node of the queue's Raft leader. */
  leader?: string;
  /** The nodes with a replica of the queue. */
  members?: string[];
  /** The members whose replica runs. */
  online?: string[];
}

/** The script failed; the message ends with the last lines it wrote to stderr. */
export class ClusterScriptError extends Error {
  override readonly name = 'ClusterScriptError';
  /** The script's exit code; undefined when it was killed. */
  readonly exitCode: number | undefined;

  constructor(message: string, exitCode?: number, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** A base AMQP port for a cluster on spare ports: nine ports, the first three AMQP ports. */
export function freeClusterBasePort(): Promise<number> {
  return freeBrokerPortRange(PORTS_FROM_BASE, 3);
}

/**
 * A three-node RabbitMQ cluster of infra/local/rabbitmq-cluster.sh, on ports of its own and with node names of
 * its own (so that it never meets the developer's cluster or another test's), for tests that stop and start
 * nodes under a running client.
 */
export class RabbitMQCluster {
  /** The three AMQP URLs, comma-separated, as AMQP_URL takes them. */
  readonly amqpUrl: string;
  /** Node 1's management API, credentials included. */
  readonly managementUrl: string;
  /** Each node's management API, in node order. */
  readonly managementUrls: readonly string[];
  /** The node names, in node order. */
  readonly nodes: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #ownedStateDir: string | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    env: NodeJS.ProcessEnv,
    ownedStateDir: string | undefined,
    exports: Record<string, string>,
  ) {
    this.#env = env;
    this.#ownedStateDir = ownedStateDir;
    const required = (name: string) => {
      const value = exports[name];
      if (!value) throw new ClusterScriptError(`rabbitmq-cluster.sh start printed no ${name}`);
      return value;
    };
    this.amqpUrl = required('AMQP_URL');
    this.managementUrl = required('RABBITMQ_MANAGEMENT_URL');
    this.managementUrls = required('TRIBUTARY_CLUSTER_MANAGEMENT_URLS').split(',');
    this.nodes = required('TRIBUTARY_CLUSTER_NODES').split(',');
  }

  /**
   * Starts the cluster and resolves once all three nodes run clustered. Without `baseAmqpPort` the ports are
   * picked free at random (see {@link freeClusterBasePort}); without `stateDir` the state lives in a temporary
   * directory that `stop()` removes.
   */
  static async start(options: { baseAmqpPort?: number; stateDir?: string } = {}): Promise<RabbitMQCluster> {
    const base = options.baseAmqpPort ?? (await freeClusterBasePort());
    const ownedStateDir =
      options.stateDir === undefined ? await mkdtemp(join(tmpdir(), 'tributary-cluster-')) : undefined;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRIBUTARY_CLUSTER_DIR: options.stateDir ?? ownedStateDir,
      // Node names are unique per host: the base port keeps this cluster's apart from any other.
      TRIBUTARY_CLUSTER_NODENAME_PREFIX: `tributary-c${base}-`,
      TRIBUTARY_CLUSTER_AMQP_PORT: String(base),
      TRIBUTARY_CLUSTER_MANAGEMENT_PORT: String(base + 3),
      TRIBUTARY_CLUSTER_PROMETHEUS_PORT: String(base + 6),
    };
    try {
      const stdout = await script(env, ['start'], START_TIMEOUT_MS);
      return new RabbitMQCluster(env, ownedStateDir, parseExportLines(stdout));
    } catch (error) {
      // A start cut short may have started some nodes: stop exactly those (the script knows them by name).
      await script(env, ['stop'], STOP_TIMEOUT_MS).catch(() => {});
      if (ownedStateDir) await rm(ownedStateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops one node (its data stays); the others go on. */
  async stopNode(index: NodeIndex): Promise<void> {
    await script(this.#env, ['stop-node', String(index + 1)], STOP_TIMEOUT_MS);
  }

  /** Starts one node again and resolves once it runs in the cluster. */
  async startNode(index: NodeIndex): Promise<void> {
    await script(this.#env, ['start-node', String(index + 1)], START_TIMEOUT_MS);
  }

  /** True when all three nodes answer and node 1's cluster status lists all three as running. */
  async isComplete(): Promise<boolean> {
    try {
      await script(this.#env, ['status'], 60_000);
      return true;
    } catch (error) {
      if (error instanceof ClusterScriptError && error.exitCode === 3) return false;
      throw error;
    }
  }

  /** The management API of one node. */
  management(index: NodeIndex = 0): RabbitMQManagement {
    const url = this.managementUrls[index];
    if (!url) throw new Error(`no node ${index}`);
    return new RabbitMQManagement(url, { timeoutMs: 5_000 });
  }

  /**
   * A quorum queue as the management API of the first node that answers sees it (a stopped node's API does
   * not); undefined when there is no such queue.
   */
  async quorumQueue(vhost: string, queue: string): Promise<QuorumQueueInfo | undefined> {
    let lastError: unknown;
    for (const index of [0, 1, 2] as const) {
      try {
        return (await this.management(index).queue(vhost, queue)) as QuorumQueueInfo | undefined;
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no management API of the cluster answered: ${String(lastError)}`);
  }

  /** The node holding the leader of a quorum queue, from the management API (`/api/queues/VHOST/NAME` → `leader`). */
  async queueLeader(vhost: string, queue: string): Promise<string> {
    const info = await this.quorumQueue(vhost, queue);
    if (!info) throw new Error(`no queue ${queue} in vhost ${vhost}`);
    if (!info.leader) throw new Error(`queue ${queue} in vhost ${vhost} has no leader (type ${info.type})`);
    return info.leader;
  }

  /** Stops all three nodes and removes the state directory when `start()` made it; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await script(this.#env, ['stop'], STOP_TIMEOUT_MS);
      if (this.#ownedStateDir) await rm(this.#ownedStateDir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }
}

/** Runs rabbitmq-cluster.sh and returns its stdout (the `export` lines); progress goes to stderr. */
async function script(env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run('bash', [SCRIPT, ...args], {
      env,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failure = error as { code?: unknown; signal?: unknown; stderr?: unknown };
    const stderr = typeof failure.stderr === 'string' ? failure.stderr : '';
    const tail = stderr.trimEnd().split('\n').slice(-15).join('\n');
    const how =
      typeof failure.code === 'number' ? `exited with ${failure.code}` : `ended by ${failure.signal}`;
    throw new ClusterScriptError(
      `rabbitmq-cluster.sh ${args.join(' ')} ${how}:\n${tail}`,
      typeof failure.code === 'number' ? failure.code : undefined,
      { cause: error },
    );
  }
}
