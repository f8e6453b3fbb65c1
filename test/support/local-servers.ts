import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freeBrokerPortRange } from './ports.ts';

const run = promisify(execFile);
const INFRA = fileURLToPath(new URL('../../infra/local/', import.meta.url));

/**
 * A RabbitMQ node and a FerretDB of a test's own, started with infra/local's scripts on spare ports and a
 * temporary state directory: a chaos test restarts and stops them, which the servers every other test shares
 * must never see.
 */
export class LocalServers {
  /** The broker's, unless started without one. */
  readonly amqpUrl: string;
  readonly managementUrl: string;
  readonly mongoUrl: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #stateDir: string;

  private constructor(env: NodeJS.ProcessEnv, stateDir: string, urls: Record<string, string>) {
    this.#env = env;
    this.#stateDir = stateDir;
    this.amqpUrl = urls.AMQP_URL as string;
    this.managementUrl = urls.RABBITMQ_MANAGEMENT_URL as string;
    this.mongoUrl = urls.MONGO_URL as string;
  }

  /** With `broker: false`, only the database (a test that brings its own broker, a cluster). */
  static async start(options: { broker?: boolean } = {}): Promise<LocalServers> {
    const withBroker = options.broker ?? true;
    const stateDir = await mkdtemp(join(tmpdir(), 'tributary-servers-'));
    const base = await freeBrokerPortRange(4);
    const ports = { amqp: base, management: base + 1, prometheus: base + 2, mongo: base + 3 };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TRIBUTARY_LOCAL_DIR: stateDir,
      TRIBUTARY_RABBITMQ_NODENAME: `chaos-${ports.amqp}@localhost`,
      TRIBUTARY_AMQP_PORT: String(ports.amqp),
      TRIBUTARY_RABBITMQ_MANAGEMENT_PORT: String(ports.management),
      TRIBUTARY_RABBITMQ_PROMETHEUS_PORT: String(ports.prometheus),
      TRIBUTARY_MONGO_PORT: String(ports.mongo),
    };
    try {
      if (withBroker) await script(env, 'rabbitmq.sh', 'start');
      await script(env, 'ferretdb.sh', 'start');
      return new LocalServers(env, stateDir, {
        AMQP_URL: `amqp://guest:guest@127.0.0.1:${ports.amqp}`,
        RABBITMQ_MANAGEMENT_URL: `http://guest:guest@127.0.0.1:${ports.management}`,
        MONGO_URL: `mongodb://127.0.0.1:${ports.mongo}/`,
      });
    } catch (error) {
      await script(env, 'stop.sh').catch(() => {});
      await rm(stateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops the broker and starts it again with the same data; resolves when it answers. */
  async restartBroker(): Promise<void> {
    await script(this.#env, 'rabbitmq.sh', 'restart');
  }

  async stopDatabase(): Promise<void> {
    await script(this.#env, 'ferretdb.sh', 'stop');
  }

  async startDatabase(): Promise<void> {
    await script(this.#env, 'ferretdb.sh', 'start');
  }

  async stop(): Promise<void> {
    await script(this.#env, 'stop.sh');
    await rm(this.#stateDir, { recursive: true, force: true });
  }
}

function script(env: NodeJS.ProcessEnv, name: string, ...args: string[]) {
  return run('bash', [join(INFRA, name), ...args], { env, maxBuffer: 16 * 1024 * 1024 });
}
