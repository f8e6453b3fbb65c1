import { CliError, EXIT } from './cli-errors.ts';
import { type CliConfig, managementEndpoint } from './cli-settings.ts';

export interface QueueStats {
  name: string;
  ready: number;
  unacked: number;
  consumers: number;
  publishRate: number;
  deliverRate: number;
}

interface RawQueue {
  name: string;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  message_stats?: {
    publish_details?: { rate?: number };
    deliver_get_details?: { rate?: number };
  };
}

/** The few calls of RabbitMQ's management HTTP API the command needs, for the vhost of AMQP_URL. */
export class ManagementApi {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #vhost: string;
  readonly #timeoutMs: number;

  constructor(config: Pick<CliConfig, 'managementUrl' | 'amqpUrls' | 'connectTimeoutMs'>) {
    const endpoint = managementEndpoint(config);
    this.#baseUrl = endpoint.baseUrl;
    this.#authorization = endpoint.authorization;
    this.#vhost = endpoint.vhost;
    this.#timeoutMs = config.connectTimeoutMs;
  }

  /** Every queue of the vhost whose name starts with `prefix`, with its depth, consumers and rates. */
  async queues(prefix: string): Promise<QueueStats[]> {
    const raw = (await this.#get(`/api/queues/${encodeURIComponent(this.#vhost)}`)) as RawQueue[];
    return raw
      .filter((queue) => queue.name.startsWith(prefix))
      .map((queue) => ({
        name: queue.name,
        ready: queue.messages_ready ?? 0,
        unacked: queue.messages_unacknowledged ?? 0,
        consumers: queue.consumers ?? 0,
        publishRate: queue.message_stats?.publish_details?.rate ?? 0,
        deliverRate: queue.message_stats?.deliver_get_details?.rate ?? 0,
      }));
  }

  async #get(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        headers: { authorization: this.#authorization },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const detail =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      throw new CliError(
        'management-unreachable',
        `cannot reach the RabbitMQ management API at ${this.#baseUrl}: ${detail}`,
        EXIT.unreachable,
        { cause: err },
      );
    }
    if (!response.ok) {
      throw new CliError(
        'management-error',
        `the RabbitMQ management API at ${this.#baseUrl} answered ${response.status} to GET ${path}`,
        response.status === 401 ? EXIT.unreachable : EXIT.failed,
      );
    }
    return response.json();
  }
}
