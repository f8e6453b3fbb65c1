import { ShuttingDownError } from '@tributary/messaging';
import { LRUCache } from 'lru-cache';
import PQueue from 'p-queue';
import { HostPausedError } from './errors.ts';

/**
 * Per-host politeness (docs/architecture.md §5.3): a concurrency cap and a request-rate limit for each host,
 * one p-queue per host, kept for the most recently used `maxHosts` hosts. When a host answers 429 its queue
 * pauses for the time it asked for; the jobs waiting for it, and those that arrive meanwhile, are handed back
 * to the caller (HostPausedError) so they wait in a delay queue instead of holding a consumer slot.
 */

export interface HostLimitsOptions {
  /** Requests in flight per host. */
  concurrency: number;
  /** Requests started per host and second; 0 means unlimited. */
  ratePerSecond: number;
  /** Hosts kept; the least recently used beyond it is forgotten. */
  maxHosts: number;
  /** Called with each host forgotten, so that what is kept beside its limits can go with them. */
  onForget?: (host: string) => void;
}

interface HostEntry {
  queue: PQueue;
  pausedUntil: number;
  resumeTimer: NodeJS.Timeout | undefined;
  /** Aborts the tasks waiting in the queue (not those running) when the host pauses or the fetcher stops. */
  waiting: AbortController;
}

/**
 * The rate limit as p-queue's sliding window: at most `intervalCap` starts in any `interval` ms. Windows of
 * about 100 ms keep bursts to a tenth of a second's worth of requests.
 */
export function rateWindow(ratePerSecond: number): { intervalCap: number; interval: number } | undefined {
  if (ratePerSecond <= 0) return undefined;
  const intervalCap = Math.max(1, Math.round(ratePerSecond / 10));
  return { intervalCap, interval: (intervalCap * 1000) / ratePerSecond };
}

export class HostLimits {
  readonly #options: HostLimitsOptions;
  readonly #hosts: LRUCache<string, HostEntry>;
  #closed = false;

  constructor(options: HostLimitsOptions) {
    this.#options = options;
    this.#hosts = new LRUCache<string, HostEntry>({
      max: options.maxHosts,
      // A forgotten host's running tasks finish on their own; only its timer needs stopping.
      dispose: (entry, host) => {
        clearTimeout(entry.resumeTimer);
        options.onForget?.(host);
      },
    });
  }

  /**
   * Runs `work` within the host's limits. Rejects with HostPausedError when the host is paused (now or while
   * the work waited) and with ShuttingDownError once closing; in both cases `work` never started.
   */
  async run<T>(host: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw stopping();
    const entry = this.#entry(host);
    const remainingMs = entry.pausedUntil - Date.now();
    if (remainingMs > 0) throw new HostPausedError(host, remainingMs);
    let started: Promise<T> | undefined;
    try {
      await entry.queue.add(
        () => {
          started = work();
          return started;
        },
        { signal: entry.waiting.signal },
      );
    } catch (err) {
      // An abort after the work started frees its slot early but must not lose its result.
      if (started === undefined) throw err;
    }
    return started as Promise<T>;
  }

  /** Pauses the host for `ms` (extending a pause in progress); the jobs waiting for it are handed back. */
  pause(host: string, ms: number): void {
    if (this.#closed || ms <= 0) return;
    const entry = this.#entry(host);
    const until = Date.now() + ms;
    if (until <= entry.pausedUntil) return;
    entry.pausedUntil = until;
    entry.queue.pause();
    entry.waiting.abort(new HostPausedError(host, ms));
    entry.waiting = new AbortController();
    clearTimeout(entry.resumeTimer);
    entry.resumeTimer = setTimeout(() => {
      entry.resumeTimer = undefined;
      entry.queue.start();
    }, ms);
    // A pause must not keep a stopping process alive.
    entry.resumeTimer.unref();
  }

  /** Whether the host's limits are kept (it is among the `maxHosts` most recently used). */
  keeps(host: string): boolean {
    return this.#hosts.has(host);
  }

  /** Jobs waiting for a slot of their host, across all hosts kept. */
  get waiting(): number {
    let waiting = 0;
    for (const entry of this.#hosts.values()) waiting += entry.queue.size;
    return waiting;
  }

  /** Hands back every job still waiting (ShuttingDownError); running ones finish. Later runs are refused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#hosts.values()) {
      entry.waiting.abort(stopping());
      clearTimeout(entry.resumeTimer);
    }
  }

  #entry(host: string): HostEntry {
    let entry = this.#hosts.get(host);
    if (entry === undefined) {
      const rate = rateWindow(this.#options.ratePerSecond);
      entry = {
        queue: new PQueue({
          concurrency: this.#options.concurrency,
          ...(rate === undefined ? {} : { ...rate, strict: true }),
        }),
        pausedUntil: 0,
        resumeTimer: undefined,
        waiting: new AbortController(),
      };
      this.#hosts.set(host, entry);
    }
    return entry;
  }
}

function stopping(): ShuttingDownError {
  return new ShuttingDownError('the fetcher is stopping; the request was not started');
}
