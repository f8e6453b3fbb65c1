import { ConfigError, type ConfigOf, databaseSettings, loadConfig, setting } from '@tributary/core';
import { messagingSettings } from '@tributary/messaging';
import { CliError, EXIT } from './cli-errors.ts';

/** What the command reads from the environment: the same variables the services read, and the API it needs. */
export const cliSettings = {
  amqpUrls: messagingSettings.amqpUrls,
  topologyPrefix: messagingSettings.topologyPrefix,
  queueMaxLength: messagingSettings.queueMaxLength,
  deliveryLimit: messagingSettings.deliveryLimit,
  delayBucketsMs: messagingSettings.delayBucketsMs,
  maxUnconfirmed: messagingSettings.maxUnconfirmed,
  managementUrl: setting.string('RABBITMQ_MANAGEMENT_URL', {
    default: '',
    secret: true,
    description:
      'RabbitMQ management API (queue statistics, dead letters); empty means port 15672 of the first AMQP_URL host with its credentials',
  }),
  ...databaseSettings,
  searchIndex: setting.string('EMBED_SEARCH_INDEX', {
    default: 'chunk_embeddings',
    nonEmpty: true,
    description:
      'the Atlas Vector Search index `tributary search` asks first (README: its definition); without one it scans',
  }),
  connectTimeoutMs: setting.int('TRIBUTARY_CONNECT_TIMEOUT_MS', {
    default: 10_000,
    min: 100,
    max: 600_000,
    description: 'how long a command waits for the broker or the database before it gives up (exit 3)',
  }),
};
export type CliConfig = ConfigOf<typeof cliSettings>;

/** The command's settings; an invalid one is a usage error naming the variable. */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  try {
    return loadConfig(cliSettings, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError('invalid-config', err.message, EXIT.usage);
    throw err;
  }
}

/** The management API's base URL and credentials, from RABBITMQ_MANAGEMENT_URL or the first AMQP_URL. */
export function managementEndpoint(config: Pick<CliConfig, 'managementUrl' | 'amqpUrls'>): {
  baseUrl: string;
  authorization: string;
  vhost: string;
} {
  const amqp = new URL(config.amqpUrls[0] ?? 'amqp://guest:guest@localhost:5672');
  const vhost = decodeURIComponent(amqp.pathname.replace(/^\//, '')) || '/';
  const api = new URL(config.managementUrl || `http://${amqp.hostname}:15672`);
  const user = decodeURIComponent(api.username || amqp.username || 'guest');
  const password = decodeURIComponent(api.password || amqp.password || 'guest');
  api.username = '';
  api.password = '';
  return {
    baseUrl: api.toString().replace(/\/$/, ''),
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    vhost,
  };
}
