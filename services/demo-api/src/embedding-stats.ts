import { SlidingPeak } from './sliding-peak.ts';

/**
 * What the embedding routes saw since the last reset, exactly: the `embeddings` part of `GET /stats`. Enough
 * for a test to check a client's batching (inputs and tokens per request) and its rate budget (requests and
 * tokens per second) from the server's side. DemoStats owns one and feeds it.
 *
 * Two kinds of numbers, on purpose: `inputs` and `tokens` count what was embedded (answers that delivered
 * vectors), so a test can check each chunk was embedded once; the maxima and the token peak count what
 * clients sent (every request whose body was JSON with inputs, refused or failed ones included), because that
 * is what a batch-size limit and a rate budget constrain.
 */

export interface EmbeddingStatsSnapshot {
  /** Requests that arrived at `/v1/embeddings` or `/embed`. */
  requests: number;
  /** Inputs in 200 answers that delivered vectors (not `corrupt`, not `truncate`d). */
  inputs: number;
  /** Tokens (`demoTokenCount`) of those inputs: the sum of the answers' `usage.prompt_tokens`. */
  tokens: number;
  /** The most inputs one request carried, whatever its answer. */
  maxInputsPerRequest: number;
  /** The most tokens one request carried, whatever its answer. */
  maxTokensPerRequest: number;
  /** Answers by status; `none` for requests that ended without one (hang, client gone). */
  byStatus: Record<string, number>;
  /** The most arrivals within any sliding 1,000 ms window. */
  peakRequestsPerSecond: number;
  /** The most tokens sent within any sliding 1,000 ms window, counted when each request's body was read. */
  peakTokensPerSecond: number;
}

const RATE_WINDOW_MS = 1_000;

export class EmbeddingStats {
  #requests = 0;
  #inputs = 0;
  #tokens = 0;
  #maxInputs = 0;
  #maxTokens = 0;
  #byStatus: Record<string, number> = {};
  readonly #arrivals = new SlidingPeak(RATE_WINDOW_MS);
  readonly #sentTokens = new SlidingPeak(RATE_WINDOW_MS);

  /** A request arrived at `now` (monotonic milliseconds). */
  arrived(now: number): void {
    this.#requests++;
    this.#arrivals.add(now);
  }

  /** A request's body was read at `now`: this many inputs and tokens were sent. */
  sent(now: number, inputs: number, tokens: number): void {
    if (inputs > this.#maxInputs) this.#maxInputs = inputs;
    if (tokens > this.#maxTokens) this.#maxTokens = tokens;
    if (tokens > 0) this.#sentTokens.add(now, tokens);
  }

  /** Vectors for this many inputs and tokens are being sent. */
  embedded(inputs: number, tokens: number): void {
    this.#inputs += inputs;
    this.#tokens += tokens;
  }

  /** A status (or `none`) ended a request. */
  answered(status: string): void {
    this.#byStatus[status] = (this.#byStatus[status] ?? 0) + 1;
  }

  snapshot(): EmbeddingStatsSnapshot {
    return {
      requests: this.#requests,
      inputs: this.#inputs,
      tokens: this.#tokens,
      maxInputsPerRequest: this.#maxInputs,
      maxTokensPerRequest: this.#maxTokens,
      byStatus: { ...this.#byStatus },
      peakRequestsPerSecond: this.#arrivals.peak,
      peakTokensPerSecond: this.#sentTokens.peak,
    };
  }

  /** Zeroes everything; the windows start empty, so nothing before the reset adds to a peak after it. */
  reset(): void {
    this.#requests = 0;
    this.#inputs = 0;
    this.#tokens = 0;
    this.#maxInputs = 0;
    this.#maxTokens = 0;
    this.#byStatus = {};
    this.#arrivals.clear();
    this.#sentTokens.clear();
  }
}
