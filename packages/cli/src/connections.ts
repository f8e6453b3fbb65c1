import { type TopologyNames, topologyNames } from '@tributary/contracts';
import { createLogger, type Logger, redactUrl } from '@tributary/core';
import { BrokerConnection, declareTopology, Publisher, planTopology } from '@tributary/messaging';
import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { type Db, MongoClient } from 'mongodb';
import { CliError, EXIT } from './cli-errors.ts';
import type { CliConfig } from './cli-settings.ts';

/** Logs of the libraries underneath stay quiet unless LOG_LEVEL says otherwise, and never touch stdout. */
export function cliLogger(): Logger {
  return createLogger({
    service: 'tributary-cli',
    level: process.env.LOG_LEVEL ?? 'silent',
    destination: process.stderr,
  });
}

export interface BrokerSession {
  connection: BrokerConnection;
  publisher: Publisher;
  names: TopologyNames;
  close(): Promise<void>;
}

/**
 * A connection with the topology declared and a confirming publisher; a broker that does not answer within the
 * timeout is one line naming it (password redacted), exit 3.
 */
export async function openBroker(config: CliConfig, logger: Logger = cliLogger()): Promise<BrokerSession> {
  const names = topologyNames(config.topologyPrefix);
  const connection = new BrokerConnection({
    urls: config.amqpUrls,
    name: 'tributary-cli',
    logger,
    topology: {
      names,
      delayBucketsMs: config.delayBucketsMs,
      maxLength: config.queueMaxLength,
      deliveryLimit: config.deliveryLimit,
    },
  });
  connection.start();
  const publisher = new Publisher(connection, { maxUnconfirmed: config.maxUnconfirmed, logger });
  publisher.start();
  const close = async () => {
    await publisher.close();
    await connection.close();
  };
  try {
    await connection.waitForConnect(config.connectTimeoutMs);
  } catch (err) {
    await close();
    const where = connection.lastFailure ?? config.amqpUrls.map((url) => redactUrl(url)).join(', ');
    throw new CliError('broker-unreachable', `cannot reach the broker: ${where}`, EXIT.unreachable, {
      cause: err,
    });
  }
  // A queue the broker has with other arguments is refused at every reconnect: say so instead of waiting.
  let unsubscribe = () => {};
  const refused = new Promise<string>((resolve) => {
    unsubscribe = connection.onTopologyConflict(resolve);
  });
  const conflict =
    connection.topologyConflict ??
    (await Promise.race([publisher.waitUntilReady().then(() => undefined), refused]));
  unsubscribe();
  if (conflict !== undefined) {
    await close();
    throw new CliError('topology-conflict', conflict, EXIT.usage);
  }
  return { connection, publisher, names, close };
}

export interface DatabaseSession {
  db: Db;
  close(): Promise<void>;
}

/** A MongoDB connection that answered a ping; one that does not within the timeout is exit 3, URL named. */
export async function openDatabase(config: CliConfig): Promise<DatabaseSession> {
  const client = new MongoClient(config.mongoUrl, {
    appName: 'tributary-cli',
    serverSelectionTimeoutMS: config.connectTimeoutMs,
  });
  try {
    await client.connect();
    await client.db(config.mongoDb).command({ ping: 1 });
  } catch (err) {
    await client.close().catch(() => undefined);
    const detail = err instanceof Error ? err.message : String(err);
    throw new CliError(
      'database-unreachable',
      `cannot reach the database at ${redactUrl(config.mongoUrl)}: ${detail}`,
      EXIT.unreachable,
      { cause: err },
    );
  }
  return { db: client.db(config.mongoDb), close: () => client.close() };
}

export interface ChannelSession {
  channel: ConfirmChannel;
  names: TopologyNames;
  close(): Promise<void>;
}

/**
 * A plain confirm channel on the first broker URL that answers, with the topology declared: for commands that
 * read queues message by message (dead letters) rather than consume them.
 */
export async function openChannel(config: CliConfig): Promise<ChannelSession> {
  const names = topologyNames(config.topologyPrefix);
  const failures: string[] = [];
  for (const url of config.amqpUrls) {
    let connection: ChannelModel;
    try {
      connection = await amqplib.connect(url, { timeout: config.connectTimeoutMs });
    } catch (err) {
      failures.push(`${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const channel = await connection.createConfirmChannel();
    await declareTopology(
      channel,
      planTopology({
        names,
        delayBucketsMs: config.delayBucketsMs,
        maxLength: config.queueMaxLength,
        deliveryLimit: config.deliveryLimit,
      }),
    );
    return {
      channel,
      names,
      close: async () => {
        await channel.close().catch(() => undefined);
        await connection.close().catch(() => undefined);
      },
    };
  }
  throw new CliError(
    'broker-unreachable',
    `cannot reach the broker: ${failures.join('; ')}`,
    EXIT.unreachable,
  );
}
