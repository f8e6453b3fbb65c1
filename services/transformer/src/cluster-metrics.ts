import type { Logger, MetricsSource } from '@tributary/core';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * What the primary serves on /metrics: its workers' registries aggregated by prom-client's cluster support
 * (counters and histograms summed across workers, per label set; each worker answers from its own registry, set
 * with `AggregatorRegistry.setRegistries`), followed by the primary's own metrics (its workers and restarts),
 * whose names no worker uses.
 *
 * When a worker cannot answer (it died during the scrape; prom-client gives up after 5 s), the scrape still
 * answers with the primary's own metrics, and the failure is logged.
 */
export class ClusterMetrics implements MetricsSource {
  readonly #aggregator = new AggregatorRegistry();
  readonly #own: Registry;
  #logger: Logger | undefined;

  constructor(own: Registry) {
    this.#own = own;
  }

  get contentType(): string {
    return this.#aggregator.contentType;
  }

  /** Where scrape failures are logged, once the service's logger exists. */
  useLogger(logger: Logger): void {
    this.#logger = logger;
  }

  async metrics(): Promise<string> {
    let workers = '';
    try {
      workers = await this.#aggregator.clusterMetrics();
    } catch (err) {
      this.#logger?.warn(
        { err },
        'workers did not all answer the metrics scrape; serving the primary’s only',
      );
    }
    const own = await this.#own.metrics();
    return workers === '' ? own : `${workers.trimEnd()}\n${own}`;
  }
}
