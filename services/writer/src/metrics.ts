import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a document of a batch ended. */
export type DocumentResult = 'inserted' | 'updated' | 'unchanged' | 'skipped' | 'refused';

export interface WriterGauges {
  /** Documents waiting for a batch. */
  pendingDocuments(): number;
  /** True while the database answers. */
  databaseReady(): boolean;
}

/** The writer's metrics, registered on the service's registry. */
export class WriterMetrics {
  readonly documents: Counter<'result'>;
  readonly staleChunksDeleted: Counter;
  readonly sourcesWritten: Counter<'kind'>;
  readonly batchDocuments: Histogram;
  readonly flushDuration: Histogram<'outcome'>;
  readonly failures: Counter<'reason'>;
  readonly lag: Histogram;
  readonly pipelineLag: Histogram;
  readonly batchJobsEnded: Counter<'outcome'>;

  constructor(registry: Registry, gauges?: WriterGauges) {
    const registers = [registry];
    this.documents = new Counter({
      name: 'tributary_writer_documents_total',
      help:
        'Documents of flushed batches by result: inserted, updated, unchanged (a replay), skipped (an older ' +
        'fetch than stored), refused (dead-lettered)',
      labelNames: ['result'],
      registers,
    });
    this.staleChunksDeleted = new Counter({
      name: 'tributary_writer_stale_chunks_deleted_total',
      help: 'Chunks removed because their source came back with fewer chunks',
      registers,
    });
    this.sourcesWritten = new Counter({
      name: 'tributary_writer_sources_written_total',
      help: 'Source records written: content (new chunks) or touch (not modified)',
      labelNames: ['kind'],
      registers,
    });
    this.batchDocuments = new Histogram({
      name: 'tributary_writer_batch_documents',
      help: 'Documents per flushed batch',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'tributary_writer_flush_duration_seconds',
      help: 'One attempt to write a batch (read sources, upserts, removals, source records), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.failures = new Counter({
      name: 'tributary_writer_failures_total',
      help:
        'Failed batch attempts (unreachable, timeout, write-concern, server-error, closed, unexpected) and ' +
        'refused messages (document-refused, invalid-message)',
      labelNames: ['reason'],
      registers,
    });
    this.lag = new Histogram({
      name: 'tributary_writer_lag_seconds',
      help: 'Time from a document being transformed to MongoDB acknowledging its write',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    });
    this.pipelineLag = new Histogram({
      name: 'tributary_pipeline_lag_seconds',
      help: "Time from the upstream's answer (the record's fetchedAt) to MongoDB acknowledging the source's documents: fetch, transform and write, queues included",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.batchJobsEnded = new Counter({
      name: 'tributary_batch_jobs_ended_total',
      help: 'Jobs of batches whose end was recorded (once per job, however often redelivered), by outcome: stored, unchanged, dead',
      labelNames: ['outcome'],
      registers,
    });
    if (gauges) {
      new Gauge({
        name: 'tributary_writer_pending_documents',
        help: 'Documents received and waiting for a batch',
        registers,
        collect() {
          this.set(gauges.pendingDocuments());
        },
      });
      new Gauge({
        name: 'tributary_writer_database_ready',
        help: '1 while the database answers, 0 while writes fail and are retried',
        registers,
        collect() {
          this.set(gauges.databaseReady() ? 1 : 0);
        },
      });
    }
  }
}
