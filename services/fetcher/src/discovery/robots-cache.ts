import { HandlerError } from '@tributary/messaging';
import { LRUCache } from 'lru-cache';
import type { HttpClient } from '../http-client.ts';
import { RobotsRules } from './robots.ts';

export interface RobotsCacheOptions {
  /** How long a host's rules are kept. */
  ttlMs: number;
  /** How long a host whose robots.txt could not be read is asked again no sooner than. */
  unavailableMs?: number;
  maxHosts: number;
  userAgent: string;
  /** Hears of each robots.txt read, and of each that could not be. */
  onFetched?: (origin: string, outcome: 'read' | 'missing' | 'unavailable') => void;
}

/** robots.txt answered 5xx or not at all: the job waits and comes back, it is neither fetched nor dropped. */
export class RobotsUnavailableError extends HandlerError {
  constructor(origin: string, retryAfterMs: number, cause?: unknown) {
    super('robots-unavailable', `${origin}/robots.txt could not be read; the job comes back later`, {
      retryable: true,
      retryAfterMs,
      cause,
    });
  }
}

/**
 * Each origin's robots.txt, fetched once per TTL by this fetcher and shared by every job of the origin meanwhile
 * (one request even when a thousand jobs ask at once). Per RFC 9309 a robots.txt that is missing (4xx) allows
 * everything. One that cannot be read (5xx, 429, unreachable) is taken neither for a refusal, which would
 * dead-letter the jobs asking (RFC 9309's "complete disallow" would lose them), nor for a permission: the jobs
 * wait, retried like any transient failure, and the origin is asked again after `unavailableMs`.
 */
export class RobotsCache {
  readonly #options: Required<Omit<RobotsCacheOptions, 'onFetched'>> & Pick<RobotsCacheOptions, 'onFetched'>;
  readonly #client: HttpClient;
  readonly #rules: LRUCache<string, Promise<RobotsRules>>;

  constructor(client: HttpClient, options: RobotsCacheOptions) {
    this.#client = client;
    this.#options = { unavailableMs: 30_000, ...options };
    this.#rules = new LRUCache({ max: options.maxHosts, ttl: options.ttlMs });
  }

  /** The rules for the URL's origin; rejects with RobotsUnavailableError while they cannot be read. */
  rulesFor(url: URL): Promise<RobotsRules> {
    const origin = url.origin;
    let rules = this.#rules.get(origin);
    if (rules === undefined) {
      rules = this.#fetch(origin);
      this.#rules.set(origin, rules);
      rules.catch(() => {
        // Kept for `unavailableMs`, so that the jobs of an origin that is down do not each ask again.
        this.#rules.set(origin, rules as Promise<RobotsRules>, { ttl: this.#options.unavailableMs });
      });
    }
    return rules;
  }

  async #fetch(origin: string): Promise<RobotsRules> {
    const robotsUrl = `${origin}/robots.txt`;
    const { userAgent, unavailableMs, onFetched } = this.#options;
    let response: Awaited<ReturnType<HttpClient['request']>>;
    try {
      response = await this.#client.request({ url: new URL(robotsUrl), method: 'GET' });
    } catch (err) {
      onFetched?.(origin, 'unavailable');
      throw new RobotsUnavailableError(origin, unavailableMs, err);
    }
    if (response.status >= 200 && response.status < 300) {
      onFetched?.(origin, 'read');
      return RobotsRules.parse(robotsUrl, response.body.toString('utf8'), userAgent);
    }
    // A 429 is the host asking to slow down, not saying it has no rules.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      onFetched?.(origin, 'missing');
      return RobotsRules.allowAll();
    }
    onFetched?.(origin, 'unavailable');
    throw new RobotsUnavailableError(
      origin,
      unavailableMs,
      new Error(`robots.txt answered ${response.status}`),
    );
  }
}
