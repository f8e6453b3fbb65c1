import { type FetchJob, HEADERS, type RawRecord } from '@tributary/contracts';
import type { BackoffPolicy } from '@tributary/core';
import { parseRetryAfter } from '@tributary/core';
import { type Delivery, type Outcome, outcome, ShuttingDownError } from '@tributary/messaging';
import type { LimitFunction } from 'p-limit';
import type { CircuitBreakers, HostJudgement } from './circuit-breakers.ts';
import { type AttemptVerdict, classify, type Observation, observeError, statusClass } from './classify.ts';
import type { Discovery } from './discovery/discovery.ts';
import type { RobotsCache } from './discovery/robots-cache.ts';
import { CircuitOpenError, CorruptedResponseError, HostBusyError } from './errors.ts';
import type { HostScheduler } from './host-scheduler.ts';
import { type HttpClient, type HttpResponse, headerValue } from './http-client.ts';
import type { FetcherMetrics } from './metrics.ts';
import { payloadProblem } from './payload-check.ts';
import { requestHeaders, toRawRecord } from './raw-record.ts';
import { requestUrl } from './request-url.ts';

/**
 * The fetch stage's handler: one job in, one outcome out. The job waits for its turn at its host (host-scheduler.ts)
 * and a global slot, goes through the host's circuit breaker to upstream, and the attempt is classified
 * (classify.ts) and judged for the breaker (`judgeHost`). A job whose turn is far away, or whose host's circuit is
 * open, is deferred through a delay queue without spending an attempt.
 * A response worth keeping is published as a RawRecord with a broker confirm before the outcome says done,
 * so the consumer acks the job only once its record is safe. A job not sent because the fetcher is stopping
 * is refused with ShuttingDownError, which the consumer defers without spending an attempt, as in every stage.
 */

export interface FetchJobOptions {
  backoff: BackoffPolicy;
  compressAboveBytes: number;
  /** Whose URLs robots.txt is checked for: jobs found by discovery, every job, or none. */
  robots: 'found' | 'all' | 'off';
}

export interface FetchJobDeps {
  client: HttpClient;
  scheduler: HostScheduler;
  breakers: CircuitBreakers;
  /** The global concurrency limit. */
  globalLimit: LimitFunction;
  metrics: FetcherMetrics;
  /** Publishes the record to the transform stage and resolves once the broker confirmed it. */
  publish: (record: RawRecord, job: FetchJob, delivery: Delivery) => Promise<void>;
  /** Finds, claims and publishes the jobs a page with `discover` finds (discovery/discovery.ts). */
  discovery: Discovery;
  robots: RobotsCache;
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
    const { scheduler, breakers, globalLimit, metrics } = this.#deps;
    // An open circuit is known before queueing: the job does not wait for a slot only to be refused.
    if (breakers.isOpen(host)) return this.#defer('circuit-open', breakers.retryAfterMs(host));
    if (this.#checksRobots(job)) {
      const rules = await this.#deps.robots.rulesFor(url);
      if (!rules.isAllowed(url)) {
        metrics.countRobots('disallowed');
        return outcome.dead('robots-disallowed', `${url.origin}/robots.txt disallows ${url.pathname}`);
      }
      const crawlDelay = rules.crawlDelaySeconds();
      scheduler.capRate(host, crawlDelay ? 1 / crawlDelay : undefined);
    }
    let attempt: Attempt;
    try {
      const cameBackForTurn = delivery.headers[HEADERS.retryReason] === HostBusyError.REASON;
      attempt = await scheduler.run(
        host,
        () =>
          globalLimit(() => {
            // Past its host's limits but not yet sent when the fetcher began to stop: hand it back.
            if (this.#draining) {
              throw new ShuttingDownError('the fetcher is stopping; the request was not started');
            }
            return breakers.call(
              host,
              () => this.#attempt(job, url, delivery.attempt),
              (a) => judgeHost(a.verdict, delivery.attempt),
            );
          }),
        cameBackForTurn,
      );
    } catch (err) {
      if (err instanceof CircuitOpenError) return this.#defer(err.reason, err.retryAfterMs);
      if (err instanceof HostBusyError) return this.#defer(err.reason, err.retryAfterMs, { untilTurn: true });
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
    if (verdict.kind === 'retry' && verdict.slowsHost) scheduler.slowDown(host);
    switch (verdict.kind) {
      case 'done': {
        const response = attempt.response;
        if (response === undefined) throw new Error('a done attempt without a response');
        if (job.discover !== undefined && response.status >= 200 && response.status < 300) {
          const { ingest } = await this.#deps.discovery.discover(
            { ...job, discover: job.discover },
            response,
          );
          if (!ingest) return outcome.done();
        }
        const record = toRawRecord(
          job,
          response,
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

  #checksRobots(job: FetchJob): boolean {
    const { robots } = this.#options;
    return robots === 'all' || (robots === 'found' && job.found !== undefined);
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

  /** `untilTurn`: the delay is a host's estimate of the job's turn, to come back no later than (see outcome.ts). */
  #defer(reason: string, delayMs: number, options: { untilTurn?: boolean } = {}): Outcome {
    this.#deps.metrics.countDeferral(reason);
    const delay = Math.max(0, Math.ceil(delayMs));
    return options.untilTurn ? outcome.deferUntilTurn(reason, delay) : outcome.defer(reason, delay);
  }
}

/**
 * What an attempt says about its host, for the breaker: an unreachable host fails on any attempt; a 5xx fails
 * the host only on a URL's first attempt (a retry failing again is that URL's trouble, already counted once);
 * any answer (a 2xx, a 404, a 429) is a success: the host is up.
 */
export function judgeHost(verdict: AttemptVerdict, attempt: number): HostJudgement {
  if (verdict.kind !== 'retry' || verdict.failureOf === 'none') return 'success';
  if (verdict.failureOf === 'host') return 'failure';
  return attempt === 1 ? 'failure' : 'neutral';
}
