import CircuitBreaker from 'opossum';
import pLimit, { type LimitFunction } from 'p-limit';
import type { EmbeddingClient } from './embedding-client.ts';
import { EmbeddingUnavailableError, EndpointOpenError } from './errors.ts';
import type { BreakerState, EmbedderMetrics } from './metrics.ts';
import type { RateBudget } from './rate-budget.ts';

export interface EndpointOptions {
  concurrency: number;
  inputType: string | undefined;
  breaker: {
    errorThresholdPercentage: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
}

export interface EndpointDeps {
  client: EmbeddingClient;
  budget: RateBudget;
  metrics?: EmbedderMetrics;
  onBreaker?: (state: BreakerState) => void;
}

type Send = (texts: string[]) => Promise<number[][]>;

/**
 * The embeddings endpoint as the embedder uses it: each request waits for its share of the rate budget (requests
 * and tokens per minute), then for one of `concurrency` slots, then goes through the endpoint's circuit breaker.
 * Only an unavailable endpoint (5xx, no answer, a broken answer) counts against the breaker: a 429, a request too
 * large or an input refused are answers of an endpoint that is up. While open, requests are refused at once with
 * EndpointOpenError, which defers the messages without spending their attempts.
 */
export class Endpoint {
  readonly #deps: EndpointDeps;
  readonly #limit: LimitFunction;
  readonly #breaker: CircuitBreaker<Parameters<Send>, number[][]>;
  readonly #resetTimeoutMs: number;

  constructor(options: EndpointOptions, deps: EndpointDeps) {
    this.#deps = deps;
    this.#limit = pLimit(options.concurrency);
    this.#resetTimeoutMs = options.breaker.resetTimeoutMs;
    const send: Send = (texts) => deps.client.embed(texts, { inputType: options.inputType });
    this.#breaker = new CircuitBreaker(send, {
      timeout: false,
      errorThresholdPercentage: options.breaker.errorThresholdPercentage,
      volumeThreshold: options.breaker.volumeThreshold,
      resetTimeout: options.breaker.resetTimeoutMs,
      rollingCountTimeout: options.breaker.rollingWindowMs,
      errorFilter: (err: unknown) => !(err instanceof EmbeddingUnavailableError),
    });
    const changed = () => deps.onBreaker?.(this.state);
    this.#breaker.on('open', changed);
    this.#breaker.on('halfOpen', changed);
    this.#breaker.on('close', changed);
  }

  get state(): BreakerState {
    if (this.#breaker.opened) return 'open';
    return this.#breaker.halfOpen ? 'half-open' : 'closed';
  }

  get inFlight(): number {
    return this.#limit.activeCount;
  }

  /** One request of the texts, `tokens` in all: resolves with their vectors, in order. */
  async send(texts: string[], tokens: number): Promise<number[][]> {
    if (this.#breaker.opened) throw this.#openError();
    await this.#deps.budget.take(tokens);
    return this.#limit(async () => {
      const { metrics } = this.#deps;
      const started = performance.now();
      try {
        const vectors = await this.#breaker.fire(texts);
        metrics?.requests.inc({ outcome: 'ok' });
        metrics?.requestInputs.observe(texts.length);
        metrics?.tokens.inc(tokens);
        return vectors;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'EOPENBREAKER') {
          metrics?.requests.inc({ outcome: 'circuit-open' });
          throw this.#openError();
        }
        metrics?.requests.inc({ outcome: String((err as { reason?: unknown }).reason ?? 'unexpected') });
        throw err;
      } finally {
        metrics?.requestDuration.observe((performance.now() - started) / 1000);
      }
    });
  }

  close(): void {
    this.#breaker.shutdown();
  }

  #openError(): EndpointOpenError {
    return new EndpointOpenError(this.#resetTimeoutMs);
  }
}
