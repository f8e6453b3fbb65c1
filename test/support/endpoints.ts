import { connect as tcpConnect } from 'node:net';
import type { StartedMongoDBContainer } from '@testcontainers/mongodb';
import type { StartedRabbitMQContainer } from '@testcontainers/rabbitmq';

/**
 * Where the integration tests' broker and database come from, in this order:
 * 1. `AMQP_URL` (with `RABBITMQ_MANAGEMENT_URL`, which defaults to the AMQP host on port 15672 with the same
 *    credentials) and `MONGO_URL` from the environment, e.g. the local services of infra/local;
 * 2. containers started with testcontainers when a Docker engine is reachable, once per test process;
 * 3. otherwise nowhere: a {@link ServicesUnavailableError} says how to provide them.
 */

export const SERVICES_MISSING_MESSAGE =
  'Integration tests need a RabbitMQ broker and a MongoDB-compatible database: set AMQP_URL and MONGO_URL ' +
  '(for example `eval "$(bash infra/local/env.sh)"` after `npm run local:start`), ' +
  'or run a Docker engine for testcontainers.';

export const RABBITMQ_IMAGE = 'rabbitmq:4-management';
export const MONGODB_IMAGE = 'mongo:8';
const DEFAULT_MANAGEMENT_PORT = '15672';
/** As infra/local/rabbitmq.sh sets it: management statistics (queue counts, connection lists) every second. */
const BROKER_TEST_CONFIG = [
  'collect_statistics_interval = 1000',
  'management.sample_retention_policies.global.minute = 1',
  'management.sample_retention_policies.basic.minute = 1',
  'management.sample_retention_policies.detailed.10 = 1',
  '',
].join('\n');

export class ServicesUnavailableError extends Error {
  override readonly name = 'ServicesUnavailableError';
}

export interface BrokerEndpoint {
  /** The broker's AMQP URL, for the default vhost; credentials included. */
  amqpUrl: string;
  /** The management HTTP API's base URL; credentials included. */
  managementUrl: string;
  source: 'environment' | 'testcontainers';
}

export interface DatabaseEndpoint {
  mongoUrl: string;
  source: 'environment' | 'testcontainers';
}

/** The management URL that goes with an AMQP URL: same host and credentials, port 15672, plain HTTP. */
export function defaultManagementUrl(amqpUrl: string): string {
  const amqp = new URL(amqpUrl);
  const management = new URL(`http://${amqp.hostname.includes(':') ? `[${amqp.hostname}]` : amqp.hostname}`);
  management.port = DEFAULT_MANAGEMENT_PORT;
  management.username = amqp.username || 'guest';
  management.password = amqp.password || 'guest';
  return management.toString().replace(/\/$/, '');
}

/**
 * A variable's URL. AMQP_URL may list several brokers separated by commas (the services fail over between
 * them); the tests use the first.
 */
function fromEnvironment(name: 'AMQP_URL' | 'MONGO_URL' | 'RABBITMQ_MANAGEMENT_URL'): string | undefined {
  const raw = process.env[name]?.trim();
  const value = name === 'AMQP_URL' ? raw?.split(',')[0]?.trim() : raw;
  return value ? value : undefined;
}

/** True when testcontainers finds a container runtime (Docker, Podman, ...) that answers. */
export async function dockerReachable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

// Containers live for the test process; testcontainers' reaper removes them when it exits. The promises sit on
// globalThis so that a test runner that re-evaluates modules per file in one process still starts them once.
interface ContainerCache {
  rabbitmq?: Promise<StartedRabbitMQContainer>;
  mongodb?: Promise<StartedMongoDBContainer>;
}
const CACHE_KEY = Symbol.for('tributary.test-support.containers');
function containerCache(): ContainerCache {
  const holder = globalThis as typeof globalThis & { [CACHE_KEY]?: ContainerCache };
  holder[CACHE_KEY] ??= {};
  return holder[CACHE_KEY];
}

async function requireDocker(): Promise<void> {
  if (!(await dockerReachable())) throw new ServicesUnavailableError(SERVICES_MISSING_MESSAGE);
}

async function startRabbitMQ(): Promise<StartedRabbitMQContainer> {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  return new RabbitMQContainer(RABBITMQ_IMAGE)
    .withCopyContentToContainer([
      { content: BROKER_TEST_CONFIG, target: '/etc/rabbitmq/conf.d/90-tributary-tests.conf' },
    ])
    .start();
}

async function startMongoDB(): Promise<StartedMongoDBContainer> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  return new MongoDBContainer(MONGODB_IMAGE).start();
}

/** The broker to test against: from the environment, else a RabbitMQ container, else an error. */
export async function brokerEndpoint(): Promise<BrokerEndpoint> {
  const amqpUrl = fromEnvironment('AMQP_URL');
  if (amqpUrl) {
    return {
      amqpUrl,
      managementUrl: fromEnvironment('RABBITMQ_MANAGEMENT_URL') ?? defaultManagementUrl(amqpUrl),
      source: 'environment',
    };
  }
  await requireDocker();
  const cache = containerCache();
  cache.rabbitmq ??= startRabbitMQ();
  const container = await cache.rabbitmq;
  const host = container.getHost();
  // The rabbitmq image lets guest log in from other hosts; the container's AMQP URL carries no credentials.
  return {
    amqpUrl: `amqp://guest:guest@${host}:${container.getMappedPort(5672)}`,
    managementUrl: `http://guest:guest@${host}:${container.getMappedPort(15672)}`,
    source: 'testcontainers',
  };
}

/** The database server to test against: from the environment, else a MongoDB container, else an error. */
export async function databaseEndpoint(): Promise<DatabaseEndpoint> {
  const mongoUrl = fromEnvironment('MONGO_URL');
  if (mongoUrl) return { mongoUrl, source: 'environment' };
  await requireDocker();
  const cache = containerCache();
  cache.mongodb ??= startMongoDB();
  const container = await cache.mongodb;
  // The container is a one-member replica set that announces its container hostname: connect to it directly.
  const url = new URL(container.getConnectionString());
  url.searchParams.set('directConnection', 'true');
  return { mongoUrl: url.toString(), source: 'testcontainers' };
}

/** Throws a {@link ServicesUnavailableError} unless the environment names both services or Docker answers. */
export async function assertServicesAvailable(): Promise<void> {
  if (fromEnvironment('AMQP_URL') && fromEnvironment('MONGO_URL')) return;
  await requireDocker();
}

/** Resolves when a TCP connection to host:port opens within `timeoutMs`, rejects otherwise. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * Checks that the services named by AMQP_URL and MONGO_URL accept connections, so that a forgotten
 * `npm run local:start` fails the run at once with one message instead of every test timing out.
 */
export async function assertEnvironmentServicesAnswer(timeoutMs = 3_000): Promise<void> {
  const targets: { variable: string; url: URL; defaultPort: number }[] = [];
  const addTarget = (variable: 'AMQP_URL' | 'MONGO_URL', defaultPort: number) => {
    const value = fromEnvironment(variable);
    // Only single-host URLs are probed; lists of hosts and SRV records are left to the clients.
    const url = value && URL.canParse(value) ? new URL(value) : undefined;
    if (url?.hostname && url.protocol !== 'mongodb+srv:') targets.push({ variable, url, defaultPort });
  };
  addTarget('AMQP_URL', 5672);
  addTarget('MONGO_URL', 27017);
  const failures: string[] = [];
  await Promise.all(
    targets.map(async ({ variable, url, defaultPort }) => {
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = url.port ? Number(url.port) : defaultPort;
      try {
        await probeTcp(host, port, timeoutMs);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.push(`${variable} points at ${host}:${port}, which does not accept connections (${reason})`);
      }
    }),
  );
  if (failures.length > 0) {
    throw new ServicesUnavailableError(
      `${failures.join('; ')}. Start the local services with \`npm run local:start\`, or point ` +
        'AMQP_URL and MONGO_URL at running ones.',
    );
  }
}
