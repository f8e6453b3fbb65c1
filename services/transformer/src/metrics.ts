import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** A worker's transform metrics, beside the messaging layer's; the primary serves them summed over workers. */
export class TransformMetrics {
  readonly received: Counter;
  readonly records: Counter<'outcome'>;
  readonly documents: Counter;
  readonly chunksPerRecord: Histogram;
  readonly duration: Histogram<'kind'>;
  readonly errors: Counter<'reason'>;
  readonly threadReplacements: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.received = new Counter({
      name: 'tributary_transform_records_received_total',
      help: 'Raw records taken from transform.raw',
      registers,
    });
    this.records = new Counter({
      name: 'tributary_transform_records_total',
      help: 'Raw records handled, by outcome: transformed, not-modified (a touch), failed (an attempt) or deferred (handed back untried while the worker stops)',
      labelNames: ['outcome'],
      registers,
    });
    this.documents = new Counter({
      name: 'tributary_transform_documents_total',
      help: 'Documents (chunks) published to store.docs',
      registers,
    });
    this.chunksPerRecord = new Histogram({
      name: 'tributary_transform_chunks_per_record',
      help: 'Chunks one record became',
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000],
      registers,
    });
    this.duration = new Histogram({
      name: 'tributary_transform_duration_seconds',
      help: 'Time a record spent in its transform (in the transform thread, queueing excluded), by content kind',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.errors = new Counter({
      name: 'tributary_transform_errors_total',
      help: 'Failed transform attempts, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.threadReplacements = new Counter({
      name: 'tributary_transform_thread_replacements_total',
      help: 'Transform threads replaced, by reason: crashed, or timeout (a transform that ignored its abort)',
      labelNames: ['reason'],
      registers,
    });
  }
}

/** What the primary's gauges read on scrape. */
export interface SupervisorMetricSources {
  workersRunning: () => number;
  workersReady: () => number;
  crashLooping: () => boolean;
}

/** The primary's own metrics: its workers. */
export class SupervisorMetrics {
  readonly workerRestarts: Counter;

  constructor(registry: Registry, sources: SupervisorMetricSources) {
    const registers = [registry];
    this.workerRestarts = new Counter({
      name: 'tributary_transform_worker_restarts_total',
      help: 'Worker processes that died and were replaced',
      registers,
    });
    new Gauge({
      name: 'tributary_transform_workers',
      help: 'Worker processes, by state: running (alive) or ready (connected and consuming)',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'running' }, sources.workersRunning());
        this.set({ state: 'ready' }, sources.workersReady());
      },
    });
    new Gauge({
      name: 'tributary_transform_crash_loop',
      help: '1 while a worker is in a crash loop (TRANSFORM_CRASH_LOOP_RESTARTS deaths within the window)',
      registers,
      collect() {
        this.set(sources.crashLooping() ? 1 : 0);
      },
    });
  }
}
