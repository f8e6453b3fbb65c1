import type { FetchJob, RawRecord } from '@tributary/contracts';
import type { BackoffPolicy } from '@tributary/core';
import { type Delivery, type Outcome, outcome, ShuttingDownError } from '@tributary/messaging';
import type { LimitFunction } from 'p-limit';
import type { CircuitBreakers } from './circuit-breakers.ts';
import { type AttemptVerdict, classify, type Observation, observeError, statusClass } from './classify.ts';
import { CircuitOpenError, CorruptedResponseError, HostPausedError } from './errors.ts';
import type { HostLimits } from './host-limits.ts';
import { type HttpClient, type HttpResponse, headerValue } from './http-client.ts';
import type { FetcherMetrics } from './metrics.ts';
import { payloadProblem } from './payload-check.ts';
import { requestHeaders, toRawRecord } from './raw-record.ts';
import { requestUrl } from './request-url.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * The fetch stage's handler: one job in, one outcome out. The job waits for its host's limits and a global
 * slot, goes through the host's circuit breaker to upstream, and the attempt is classified (classify.ts).
 * A response worth keeping is published as a RawRecord with a broker confirm before the outcome says done,
 * so the consumer acks the job only once its record is safe. A job not sent because the fetcher is stopping
 * is refused with ShuttingDownError, which the consumer defers without spending an attempt, as in every stage.
 */

export interface FetchJobOptions {
  backoff: BackoffPolicy;
  compressAboveBytes: number;
}

export interface FetchJobDeps {
  client: HttpClient;
  hostLimits: HostLimits;
  breakers: CircuitBreakers;
  /** The global concurrency limit. */
  globalLimit: LimitFunction;
  metrics: FetcherMetrics;
  /** Publishes the record to the transform stage and resolves once the broker confirmed it. */
  publish: (record: RawRecord, job: FetchJob, delivery: Delivery) => Promise<void>;
}

/** One attempt, classified. */
interface Attempt {
  verdict: AttemptVerdict;
  response: HttpResponse | undefined;
  status: number | undefined;
  /** Why the attempt failed, for the dead letter and the log. */
  problem: string | undefined;
  durationMs: number;
  finishedAtMs: number;
}

export class FetchJobHandler {
  readonly #options: FetchJobOptions;
  readonly #deps: FetchJobDeps;
  #draining = false;

  constructor(options: FetchJobOptions, deps: FetchJobDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  async handle(job: FetchJob, delivery: Delivery): Promise<Outcome> {
    let url: URL;
    try {
      url = requestUrl(job.url);
    } catch (err) {
      return outcome.dead('invalid-url', (err as Error).message);
    }
    const host = url.host;
    const { hostLimits, breakers, globalLimit, metrics } = this.#deps;
    // An open circuit is known before queueing: the job does not wait for a slot only to be refused.
    if (breakers.isOpen(host)) return this.#defer('circuit-open', breakers.retryAfterMs(host));
    let attempt: Attempt;
    try {
      attempt = await hostLimits.run(host, () =>
        globalLimit(() => {
          // Past its host's limits but not yet sent when the fetcher began to stop: hand it back.
          if (this.#draining) {
            throw new ShuttingDownError('the fetcher is stopping; the request was not started');
          }
          return breakers.call(
            host,
            () => this.#attempt(job, url, delivery.attempt),
            (a) => a.verdict.kind === 'retry' && a.verdict.breakerFailure,
          );
        }),
      );
    } catch (err) {
      if (err instanceof CircuitOpenError || err instanceof HostPausedError) {
        return this.#defer(err.reason, err.retryAfterMs);
      }
      // The consumer defers it: counted here among the fetcher's deferrals, like the others.
      if ((err as { reason?: unknown }).reason === ShuttingDownError.REASON) {
        metrics.countDeferral(ShuttingDownError.REASON);
      }
      throw err;
    }
    const { verdict } = attempt;
    metrics.countRequest(host, {
      outcome: verdict.kind,
      statusClass: statusClass(attempt.status),
      durationSeconds: attempt.durationMs / 1000,
      bytes: attempt.response?.body.byteLength,
    });
    if (verdict.kind === 'retry' && verdict.hostPauseMs !== undefined) {
      hostLimits.pause(host, verdict.hostPauseMs);
    }
    switch (verdict.kind) {
      case 'done': {
        if (attempt.response === undefined) throw new Error('a done attempt without a response');
        const record = toRawRecord(
          job,
          attempt.response,
          { fetchedAtMs: attempt.finishedAtMs, durationMs: attempt.durationMs },
          this.#options.compressAboveBytes,
        );
        await this.#deps.publish(record, job, delivery);
        return outcome.done();
      }
      case 'dead':
        return outcome.dead(verdict.reason, attempt.problem ?? verdict.reason);
      case 'retry':
        delivery.logger.debug(
          { reason: verdict.reason, status: attempt.status, delayMs: verdict.delayMs },
          'fetch attempt failed',
        );
        return outcome.retry(verdict.reason, verdict.delayMs, attempt.problem ?? verdict.reason);
    }
  }

  /** From now on, jobs not yet sent upstream are handed back instead (see Fetcher.drain). */
  drain(): void {
    this.#draining = true;
  }

  async #attempt(job: FetchJob, url: URL, attemptNumber: number): Promise<Attempt> {
    const started = performance.now();
    let observation: Observation;
    let response: HttpResponse | undefined;
    let problem: string | undefined;
    try {
      response = await this.#deps.client.request({
        url,
        method: job.method,
        headers: requestHeaders(job),
        body: job.body,
      });
      const contentType = headerValue(response.headers['content-type']);
      const corrupted =
        response.status >= 200 && response.status < 300
          ? payloadProblem(contentType, response.body)
          : undefined;
      if (corrupted !== undefined) throw new CorruptedResponseError(corrupted);
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      observation = { kind: 'response', status: response.status, retryAfterMs };
      problem = `upstream answered ${response.status}`;
    } catch (err) {
      observation = observeError(err);
      problem = err instanceof Error ? err.message : String(err);
    }
    const verdict = classify(observation, { attempt: attemptNumber, backoff: this.#options.backoff });
    return {
      verdict,
      response,
      status: response?.status,
      problem: verdict.kind === 'done' ? undefined : problem,
      durationMs: performance.now() - started,
      finishedAtMs: Date.now(),
    };
  }

  #defer(reason: string, delayMs: number): Outcome {
    this.#deps.metrics.countDeferral(reason);
    return outcome.defer(reason, Math.max(0, Math.ceil(delayMs)));
  }
}
