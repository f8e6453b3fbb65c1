import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type BreakerState = 'closed' | 'open' | 'half-open';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** What the embedder's gauges read on scrape. */
export interface EmbedderMetricSources {
  waitingChunks: () => number;
  requestsInFlight: () => number;
  breakerState: () => BreakerState;
}

/** The embedder's own metrics, beside the messaging layer's (retries and dead letters by reason). */
export class EmbedderMetrics {
  readonly requests: Counter<'outcome'>;
  readonly requestDuration: Histogram;
  readonly requestInputs: Histogram;
  readonly tokens: Counter;
  readonly chunks: Counter<'result'>;

  constructor(registry: Registry, sources: EmbedderMetricSources) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'tributary_embed_requests_total',
      help: 'Embedding requests by outcome: ok, rate-limited, too-large, refused, unavailable, circuit-open',
      labelNames: ['outcome'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'tributary_embed_request_duration_seconds',
      help: 'Embedding request time',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.requestInputs = new Histogram({
      name: 'tributary_embed_request_inputs',
      help: 'Chunks per embedding request',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.tokens = new Counter({
      name: 'tributary_embed_tokens_total',
      help: 'Tokens sent to the endpoint (the transformer’s count of each chunk)',
      registers,
    });
    this.chunks = new Counter({
      name: 'tributary_embed_chunks_total',
      help: 'Chunks by result: embedded now, or reused (text and model unchanged since stored)',
      labelNames: ['result'],
      registers,
    });
    new Gauge({
      name: 'tributary_embed_chunks_waiting',
      help: 'Chunks waiting for a request to be sent',
      registers,
      collect() {
        this.set(sources.waitingChunks());
      },
    });
    new Gauge({
      name: 'tributary_embed_requests_in_flight',
      help: 'Embedding requests running now',
      registers,
      collect() {
        this.set(sources.requestsInFlight());
      },
    });
    new Gauge({
      name: 'tributary_embed_circuit_state',
      help: "The endpoint's circuit breaker: 0 closed, 1 half-open, 2 open",
      registers,
      collect() {
        this.set(BREAKER_STATE_VALUE[sources.breakerState()]);
      },
    });
  }
}
