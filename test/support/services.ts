import { randomBytes } from 'node:crypto';
import { sleep } from '@tributary/core';
import amqplib from 'amqplib';
import { type Db, MongoClient } from 'mongodb';
import { brokerEndpoint, databaseEndpoint } from './endpoints.ts';
import { RabbitMQManagement } from './rabbitmq-management.ts';

/**
 * The broker a test runs against: a vhost of its own on the real RabbitMQ, deleted with everything in it on
 * dispose (`await using broker = await useBroker()`, or `afterAll(() => broker[Symbol.asyncDispose]())`).
 */
export interface TestBroker {
  /** AMQP URL of the test's vhost, credentials included. */
  readonly amqpUrl: string;
  readonly vhost: string;
  /** Base URL of the broker's management HTTP API, credentials included. */
  readonly managementUrl: string;
  /**
   * Ready plus unacknowledged messages in `queue`, read from the management API. Those statistics lag behind
   * the queue: by about 5 s with RabbitMQ's defaults, about 1-2 s on the brokers of infra/local and of
   * testcontainers here, which sample every second. Poll with `waitFor`, or use {@link countMessages} for an
   * exact, current count of ready messages.
   */
  queueMessageCount(queue: string): Promise<number>;
  /**
   * Closes every client connection in the vhost through the management API (reason CONNECTION_FORCED), as a
   * broker restart or a network failure would; the clients must reconnect by themselves.
   *
   * The API lists a new connection only after the next statistics emission, so this first waits until at least
   * `atLeast` connections (default 1) are listed, for up to `timeoutMs` (default 10 s), and fails if they are not.
   */
  closeAllConnections(options?: { atLeast?: number; timeoutMs?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The database a test runs against: a uniquely named database on the real server, dropped on dispose. */
export interface TestDatabase {
  /** URL of the database server (no database in its path); pair it with {@link TestDatabase.dbName}. */
  readonly mongoUrl: string;
  readonly dbName: string;
  /** A connected client, closed on dispose. */
  readonly client: MongoClient;
  readonly db: Db;
  [Symbol.asyncDispose](): Promise<void>;
}

const CONNECTION_POLL_MS = 200;

function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** Creates a vhost with a unique name (`test-…`) on the test broker and returns a URL and helpers for it. */
export async function useBroker(): Promise<TestBroker> {
  const endpoint = await brokerEndpoint();
  const management = new RabbitMQManagement(endpoint.managementUrl);
  const vhost = `test-${uniqueSuffix()}`;
  const url = new URL(endpoint.amqpUrl);
  const user = decodeURIComponent(url.username) || 'guest';

  await management.createVhost(vhost);
  try {
    await management.grantAllPermissions(vhost, user);
  } catch (error) {
    await management.deleteVhost(vhost);
    throw error;
  }
  url.pathname = `/${encodeURIComponent(vhost)}`;

  let disposed: Promise<void> | undefined;
  return {
    amqpUrl: url.toString(),
    vhost,
    managementUrl: endpoint.managementUrl,
    async queueMessageCount(queue) {
      const info = await management.queue(vhost, queue);
      if (!info) throw new Error(`queue "${queue}" does not exist in vhost "${vhost}"`);
      // A queue declared moments ago has no statistics yet.
      return info.messages ?? 0;
    },
    async closeAllConnections({ atLeast = 1, timeoutMs = 10_000 } = {}) {
      let connections = await management.connections(vhost);
      const deadline = Date.now() + timeoutMs;
      while (connections.length < atLeast) {
        if (Date.now() > deadline) {
          throw new Error(
            `closeAllConnections: ${connections.length} connection(s) listed in vhost "${vhost}" after ` +
              `${timeoutMs} ms, expected at least ${atLeast}`,
          );
        }
        await sleep(CONNECTION_POLL_MS);
        connections = await management.connections(vhost);
      }
      await Promise.all(
        connections.map((connection) => management.closeConnection(connection.name, 'closed by the test')),
      );
    },
    [Symbol.asyncDispose]() {
      disposed ??= management.deleteVhost(vhost);
      return disposed;
    },
  };
}

/**
 * The number of ready messages in `queue` right now (unacknowledged deliveries not included), asked of the
 * broker itself with a passive queue declare on a connection of its own. Fails when the queue does not exist.
 */
export async function countMessages(amqpUrl: string, queue: string): Promise<number> {
  const connection = await amqplib.connect(amqpUrl, {
    clientProperties: { connection_name: 'test-support countMessages' },
  });
  try {
    const channel = await connection.createChannel();
    // A missing queue closes the channel with an error; the rejected checkQueue below reports it.
    channel.on('error', () => {});
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount;
  } finally {
    await connection.close();
  }
}

/** Connects to the test database server and picks a database name no other test uses (`test_…`). */
export async function useDatabase(): Promise<TestDatabase> {
  const { mongoUrl } = await databaseEndpoint();
  const dbName = `test_${uniqueSuffix()}`;
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 15_000 });
  await client.connect();
  const db = client.db(dbName);

  let disposed: Promise<void> | undefined;
  const dispose = async () => {
    try {
      await db.dropDatabase();
    } finally {
      await client.close();
    }
  };
  return {
    mongoUrl,
    dbName,
    client,
    db,
    [Symbol.asyncDispose]() {
      disposed ??= dispose();
      return disposed;
    },
  };
}
