import type { FetchJob, RawRecord } from '@tributary/contracts';
import type { Logger } from '@tributary/core';
import type { Delivery, Outcome } from '@tributary/messaging';
import type { Db } from 'mongodb';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Registry } from 'prom-client';
import { AddressGuard } from './address-guard.ts';
import { CircuitBreakers } from './circuit-breakers.ts';
import type { FetcherOptions } from './config.ts';
import { Discovery } from './discovery/discovery.ts';
import { FoundLedger } from './discovery/found-ledger.ts';
import { RobotsCache } from './discovery/robots-cache.ts';
import { FetchJobHandler } from './fetch-job.ts';
import { HostScheduler } from './host-scheduler.ts';
import { HttpClient } from './http-client.ts';
import { FetcherMetrics } from './metrics.ts';

export interface FetcherDeps {
  registry: Registry;
  logger: Logger;
  /** Publishes a record to the transform stage, resolving once the broker confirmed it. */
  publish: (record: RawRecord, job: FetchJob, delivery: Delivery) => Promise<void>;
  /** Publishes a job found by discovery to the fetch stage, resolving once the broker confirmed it. */
  publishFound: (job: FetchJob) => Promise<void>;
  /** Where discovery records what it found (connected on first use); without it, discovery jobs wait. */
  database?: Db;
}

/**
 * The fetch stage built from its parts: SSRF guard, HTTP client, per-host scheduler and breakers, the global
 * limit, metrics, and the job handler. Used by main.ts and, in process, by the integration tests.
 *
 * Stopping takes two steps around the consumer's own stop: `drain()` first (jobs still waiting for a slot are
 * refused with ShuttingDownError and go back through a delay queue; requests already running finish), then,
 * once the consumer has settled every message, `close()` closes the connections.
 */
export class Fetcher {
  readonly #scheduler: HostScheduler;
  readonly #breakers: CircuitBreakers;
  readonly #client: HttpClient;
  readonly #handler: FetchJobHandler;
  readonly #globalLimit: LimitFunction;
  #state: 'running' | 'draining' | 'closed' = 'running';

  constructor(options: FetcherOptions, deps: FetcherDeps) {
    const guard = new AddressGuard({ allowHosts: options.allowHosts, allowPrivate: options.allowPrivate });
    this.#client = new HttpClient({
      guard,
      connectTimeoutMs: options.connectTimeoutMs,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      totalTimeoutMs: options.totalTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      maxRedirects: options.maxRedirects,
      userAgent: options.userAgent,
      connectionsPerOrigin: options.perHostConcurrency,
    });
    const metrics = new FetcherMetrics(deps.registry, {
      requestsInFlight: () => this.#globalLimit.activeCount,
      requestsWaiting: () => this.#scheduler.waiting + this.#globalLimit.pendingCount,
      breakerStates: () => this.#breakers.states(),
      hostRates: () => this.#scheduler.rates(),
      replicas: () => this.#scheduler.replicas,
      keepsHost: (host) => this.#scheduler.keeps(host),
    });
    this.#scheduler = new HostScheduler({
      concurrency: options.perHostConcurrency,
      ratePerSecond: options.perHostRate,
      holdMaxMs: options.holdMaxMs,
      maxHosts: options.maxHosts,
      // The per-host series go with the host, so that their number stays bounded.
      onForget: (host) => metrics.forgetHost(host),
    });
    this.#globalLimit = pLimit(options.concurrency);
    this.#breakers = new CircuitBreakers({
      errorThresholdPercentage: options.breakerErrorPercent,
      volumeThreshold: options.breakerVolume,
      resetTimeoutMs: options.breakerResetMs,
      rollingWindowMs: options.breakerWindowMs,
      probes: options.breakerProbes,
      maxHosts: options.maxHosts,
      onTransition: (host, to) => {
        metrics.countBreakerTransition(host, to);
        deps.logger.info({ host, state: to }, 'circuit breaker state changed');
      },
    });
    const database = deps.database;
    const ledger = database === undefined ? undefined : new FoundLedger(database);
    const discovery = new Discovery(
      { defaultMaxPages: options.discoveryMaxPages, maxBytes: options.maxBodyBytes },
      {
        ledger: () => {
          if (ledger === undefined) throw new Error('this fetcher has no database to record discoveries in');
          return ledger;
        },
        publish: deps.publishFound,
        onFound: (kind, counts) => metrics.countFound(kind, counts),
      },
    );
    const robots = new RobotsCache(this.#client, {
      ttlMs: options.robotsTtlMs,
      maxHosts: options.maxHosts,
      userAgent: options.userAgent,
      onFetched: (_origin, outcome) => metrics.countRobots(outcome),
    });
    this.#handler = new FetchJobHandler(
      {
        backoff: { baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs },
        compressAboveBytes: options.compressAboveBytes,
        robots: options.robots,
      },
      {
        client: this.#client,
        scheduler: this.#scheduler,
        breakers: this.#breakers,
        globalLimit: this.#globalLimit,
        metrics,
        publish: deps.publish,
        discovery,
        robots,
      },
    );
  }

  /** The consumer's handler. */
  readonly handle = (job: FetchJob, delivery: Delivery): Promise<Outcome> =>
    this.#handler.handle(job, delivery);

  /**
   * How many fetchers share the hosts (the consumers of the fetch queue, as the broker counts them): this one takes
   * its share of every host's limits and breaker volume.
   */
  setReplicas(replicas: number): void {
    this.#scheduler.setReplicas(replicas);
    this.#breakers.setReplicas(replicas);
  }

  /** Starts no new request: jobs waiting for a slot, and jobs that arrive from now on, are handed back. */
  drain(): void {
    if (this.#state !== 'running') return;
    this.#state = 'draining';
    this.#handler.drain();
    this.#scheduler.close();
  }

  /** After the consumer has stopped: closes the upstream connections and the breakers. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.drain();
    this.#state = 'closed';
    this.#breakers.close();
    await this.#client.close();
  }
}
