import { type Logger, redactUrl } from '@tributary/core';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { MessagingMetrics } from './metrics.ts';
import { declareTopology, planTopology, type TopologyOptions, type TopologyPlan } from './topology.ts';
import { topologyConflictOf } from './topology-conflict.ts';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface BrokerConnectionOptions {
  /** One or more broker URLs; on failure the next one is tried. */
  urls: readonly string[];
  /** Shown in the broker's management UI. */
  name: string;
  topology: TopologyOptions;
  logger: Logger;
  metrics?: MessagingMetrics;
  heartbeatSeconds?: number;
  reconnectSeconds?: number;
}

/**
 * One connection to the broker, kept alive by amqp-connection-manager: it reconnects by itself, moves through
 * the configured URLs, and re-runs every channel's setup — which always declares the topology first, so a
 * channel never consumes from or publishes to something the broker has forgotten.
 */
export class BrokerConnection {
  readonly #options: BrokerConnectionOptions;
  readonly plan: TopologyPlan;
  #manager: AmqpConnectionManager | undefined;
  #state: ConnectionState = 'idle';
  #connections = 0;
  #lastFailure: string | undefined;
  #topologyConflict: string | undefined;
  readonly #conflictListeners = new Set<(explanation: string) => void>();

  constructor(options: BrokerConnectionOptions) {
    this.#options = options;
    this.plan = planTopology(options.topology);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get topology(): TopologyOptions {
    return this.#options.topology;
  }

  get isConnected(): boolean {
    return this.#state === 'connected';
  }

  /** Why the last attempt to connect failed, with the broker's URL (password redacted); for error messages. */
  get lastFailure(): string | undefined {
    return this.#lastFailure;
  }

  /**
   * Why the broker refuses this process's topology (a queue it has with other arguments), with the setting to
   * change; undefined while it accepts it. Nothing is consumed or published until it does.
   */
  get topologyConflict(): string | undefined {
    return this.#topologyConflict;
  }

  /** Calls `listener` with the explanation each time the broker refuses the topology; returns the unsubscribe. */
  onTopologyConflict(listener: (explanation: string) => void): () => void {
    this.#conflictListeners.add(listener);
    return () => this.#conflictListeners.delete(listener);
  }

  start(): void {
    if (this.#manager) return;
    const { logger, metrics } = this.#options;
    this.#state = 'connecting';
    const manager = amqp.connect([...this.#options.urls], {
      heartbeatIntervalInSeconds: this.#options.heartbeatSeconds ?? 5,
      reconnectTimeInSeconds: this.#options.reconnectSeconds ?? 1,
      connectionOptions: { clientProperties: { connection_name: this.#options.name } },
    });
    manager.on('connect', ({ url }) => {
      this.#state = 'connected';
      this.#connections += 1;
      if (this.#connections > 1) metrics?.reconnects.inc();
      metrics?.connected.set(1);
      logger.info({ broker: redactAmqpUrl(url) }, 'connected to broker');
    });
    manager.on('disconnect', ({ err }) => {
      if (this.#state === 'closed') return;
      this.#state = 'disconnected';
      metrics?.connected.set(0);
      logger.warn({ err }, 'disconnected from broker; reconnecting');
    });
    manager.on('connectFailed', ({ err, url }) => {
      this.#lastFailure = `${url ? redactAmqpUrl(url) : 'broker'}: ${err instanceof Error ? err.message : String(err)}`;
      logger.warn({ err, broker: url ? redactAmqpUrl(url) : undefined }, 'broker connection attempt failed');
    });
    manager.on('blocked', ({ reason }) =>
      logger.warn({ reason }, 'broker blocked this connection (resource alarm)'),
    );
    manager.on('unblocked', () => logger.info('broker unblocked this connection'));
    this.#manager = manager;
  }

  /**
   * A channel whose setup declares the topology and then runs `setup`, on every (re)connection.
   */
  createChannel(
    name: string,
    setup: (channel: ConfirmChannel) => Promise<void> = async () => {},
  ): ChannelWrapper {
    const manager = this.#requireManager();
    const wrapper = manager.createChannel({
      name,
      confirm: true,
      json: false,
      setup: async (channel: ConfirmChannel) => {
        await declareTopology(channel, this.plan);
        this.#topologyConflict = undefined;
        await setup(channel);
      },
    });
    wrapper.on('error', (err: unknown) => {
      const conflict = topologyConflictOf(err);
      if (conflict === undefined) {
        this.#options.logger.error({ err, channel: name }, 'channel setup failed');
        return;
      }
      this.#topologyConflict = conflict;
      this.#options.logger.error({ channel: name }, conflict);
      for (const listener of this.#conflictListeners) listener(conflict);
    });
    return wrapper;
  }

  /** Drops the connection and builds everything again; used when a channel was closed by a channel error. */
  forceReconnect(): void {
    this.#manager?.reconnect();
  }

  /** Resolves once connected; rejects after `timeoutMs` (reconnecting goes on in the background). */
  async waitForConnect(timeoutMs: number): Promise<void> {
    const manager = this.#requireManager();
    if (manager.isConnected()) return;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const onConnect = () => resolve();
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no broker connection within ${timeoutMs} ms (${this.#options.urls.length} URL(s) tried)`,
          ),
        ),
      timeoutMs,
    );
    manager.once('connect', onConnect);
    try {
      await promise;
    } finally {
      clearTimeout(timer);
      manager.off('connect', onConnect);
    }
  }

  async close(): Promise<void> {
    const manager = this.#manager;
    if (!manager || this.#state === 'closed') return;
    this.#state = 'closed';
    this.#options.metrics?.connected.set(0);
    try {
      await manager.close();
    } catch (err) {
      // Closing a connection the broker already dropped fails; it is closed either way.
      this.#options.logger.debug({ err }, 'broker connection was already closed');
    }
  }

  #requireManager(): AmqpConnectionManager {
    if (!this.#manager) throw new Error('BrokerConnection.start() must be called first');
    return this.#manager;
  }
}

/** amqp-connection-manager reports a URL as a string or as `{ url }`. */
function redactAmqpUrl(url: unknown): string {
  const text = typeof url === 'object' && url !== null && 'url' in url ? String(url.url) : String(url);
  return redactUrl(text);
}
