import { ShuttingDownError } from '@tributary/messaging';
import { LRUCache } from 'lru-cache';
import { AdaptiveRate } from './adaptive-rate.ts';
import { HostBusyError } from './errors.ts';

/**
 * Per-host politeness and scheduling (docs/architecture.md §5.3). Each host has a concurrency cap and a request
 * rate; requests start at evenly spaced moments (`startSpacingMs`, never in bursts), so jobs that waited together
 * never reach the host together. The rate follows the host (adaptive-rate.ts): a 429 lowers it, calm
 * raises it back.
 *
 * A job whose turn is near (within `holdMaxMs`) waits here, in memory; a job whose turn is further away is
 * refused with HostBusyError saying about when its turn comes, and waits in a delay queue instead, so that what
 * the fetcher holds stays bounded per host and a slow host cannot take every prefetched slot from the others.
 * The turns handed out to refused jobs are remembered (`deferredUntil`), so that jobs refused one after the other
 * are told successive turns rather than all the same one; a job coming back for the turn it was told, and refused
 * again because the host is still busy, is told the nearest turn without moving the others' (it was counted
 * already).
 *
 * With several fetchers, each takes an equal share of every host's limits (`setReplicas`): the host sees the
 * configured limits in all.
 */

export interface HostSchedulerOptions {
  /** Requests in flight to one host, across every fetcher. */
  concurrency: number;
  /** Requests started per second to one host, across every fetcher; 0 means unlimited. */
  ratePerSecond: number;
  /** The longest wait held in memory; a job whose turn is further away is refused with HostBusyError. */
  holdMaxMs: number;
  /** Hosts kept; the least recently used beyond it is forgotten. */
  maxHosts: number;
  /** Called with each host forgotten, so that what is kept beside its limits can go with them. */
  onForget?: (host: string) => void;
  /** The clock, in milliseconds; tests pass their own. */
  now?: () => number;
}

interface Waiter {
  start: () => void;
  refuse: (err: Error) => void;
}

interface HostEntry {
  rate: AdaptiveRate;
  /** The host's own ceiling (its robots.txt Crawl-delay), across every fetcher; Infinity when it sets none. */
  ceiling: number;
  running: number;
  waiting: Waiter[];
  /** The earliest moment the next request may start (rate limit). */
  nextStartAt: number;
  /** The latest turn promised to a job refused as too far away. */
  deferredUntil: number;
  timer: NodeJS.Timeout | undefined;
  /** Smoothed time a request holds its slot, for turns under the concurrency cap. */
  holdMs: number | undefined;
  /** Starts in the current second and the one before: the rate the host was actually getting. */
  startsThisSecond: number;
  startsLastSecond: number;
  /** Answers asking to slow down, in the same two seconds. */
  slowDownsThisSecond: number;
  slowDownsLastSecond: number;
  second: number;
}

const SMOOTHING = 0.2;

/** How much one request's travel to the host may differ from another's, which a host counting per second sees. */
const TRAVEL_MARGIN_MS = 50;

/**
 * Milliseconds between two starts by one of `replicas` fetchers sharing `ratePerSecond`: evenly spaced, and far
 * enough apart that no second at the host holds more than the rate, even with arrival times shifted by up to
 * TRAVEL_MARGIN_MS (evenly spaced at exactly the rate, a second can hold one start more per fetcher). The host gets
 * about 95 % of the configured rate.
 */
export function startSpacingMs(ratePerSecond: number, replicas: number): number {
  if (!Number.isFinite(ratePerSecond)) return 0;
  return ((1_000 + TRAVEL_MARGIN_MS) * replicas) / ratePerSecond;
}

export class HostScheduler {
  readonly #options: HostSchedulerOptions;
  readonly #hosts: LRUCache<string, HostEntry>;
  readonly #now: () => number;
  #replicas = 1;
  #closed = false;

  constructor(options: HostSchedulerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#hosts = new LRUCache<string, HostEntry>({
      max: options.maxHosts,
      dispose: (entry, host) => {
        clearTimeout(entry.timer);
        // Jobs still waiting for a forgotten host go back to the broker rather than wait for ever.
        for (const waiter of entry.waiting.splice(0)) waiter.refuse(new HostBusyError(host, 0));
        options.onForget?.(host);
      },
    });
  }

  /**
   * Runs `work` when the host's limits allow. Rejects, without starting `work`, with HostBusyError when the
   * job's turn is further than `holdMaxMs` away, and with ShuttingDownError once closing. `cameBackForTurn`: the
   * job was refused before and comes back for the turn it was told.
   */
  async run<T>(host: string, work: () => Promise<T>, cameBackForTurn = false): Promise<T> {
    if (this.#closed) throw stopping();
    const entry = this.#entry(host);
    const now = this.#now();
    const waitMs = this.#expectedWaitMs(entry, now);
    if (waitMs > this.#options.holdMaxMs) {
      throw new HostBusyError(host, cameBackForTurn ? waitMs : this.#deferredTurnMs(entry, now, waitMs));
    }
    await new Promise<void>((start, refuse) => {
      entry.waiting.push({ start, refuse });
      this.#pump(entry);
    });
    const startedAt = this.#now();
    try {
      return await work();
    } finally {
      const heldMs = this.#now() - startedAt;
      entry.holdMs = entry.holdMs === undefined ? heldMs : entry.holdMs + SMOOTHING * (heldMs - entry.holdMs);
      entry.running--;
      this.#pump(entry);
    }
  }

  /**
   * The host asked to slow down (429, or 503 with Retry-After): its rate drops, by more the larger the share of
   * its recent answers that asked the same.
   */
  slowDown(host: string): void {
    const entry = this.#hosts.get(host);
    if (entry === undefined) return;
    const now = this.#now();
    this.#countSecond(entry, now);
    entry.slowDownsThisSecond++;
    const asked = entry.slowDownsThisSecond + entry.slowDownsLastSecond;
    const sent = Math.max(asked, entry.startsThisSecond + entry.startsLastSecond);
    // What this fetcher saw, scaled to every fetcher: the rate is the host's, shared out.
    entry.rate.slowDown(now, entry.startsLastSecond * this.#replicas, asked / sent);
  }

  /**
   * The host's own ceiling on the rate, across every fetcher (its robots.txt `Crawl-delay`, as requests per
   * second); undefined lifts it. Below the configured and adaptive rates it wins; above them it changes nothing.
   */
  capRate(host: string, ratePerSecond: number | undefined): void {
    const entry = this.#entry(host);
    entry.ceiling = ratePerSecond ?? Number.POSITIVE_INFINITY;
  }

  /** How many fetchers share each host's limits (at least 1). */
  setReplicas(replicas: number): void {
    this.#replicas = Math.max(1, Math.floor(replicas));
    for (const entry of this.#hosts.values()) this.#pump(entry);
  }

  get replicas(): number {
    return this.#replicas;
  }

  /** The host's rate now, across every fetcher (requests per second; Infinity when unlimited). */
  rateOf(host: string): number | undefined {
    const entry = this.#hosts.peek(host);
    return entry === undefined ? undefined : this.#rate(entry, this.#now());
  }

  /** Every host kept, with its rate now across every fetcher. */
  *rates(): Generator<[host: string, ratePerSecond: number]> {
    const now = this.#now();
    for (const [host, entry] of this.#hosts.entries()) yield [host, this.#rate(entry, now)];
  }

  /** Whether the host's limits are kept (it is among the `maxHosts` most recently used). */
  keeps(host: string): boolean {
    return this.#hosts.has(host);
  }

  /** Jobs held here waiting for their host, across all hosts kept. */
  get waiting(): number {
    let waiting = 0;
    for (const entry of this.#hosts.values()) waiting += entry.waiting.length;
    return waiting;
  }

  /** Hands back every job still waiting (ShuttingDownError); running ones finish. Later runs are refused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#hosts.values()) {
      clearTimeout(entry.timer);
      for (const waiter of entry.waiting.splice(0)) waiter.refuse(stopping());
    }
  }

  /** This fetcher's share of the host's concurrency: never below one request. */
  #concurrencyShare(): number {
    return Math.max(1, Math.floor(this.#options.concurrency / this.#replicas));
  }

  /** Milliseconds between two starts by this fetcher; 0 when the rate is unlimited. */
  #intervalMs(entry: HostEntry, now: number): number {
    return startSpacingMs(this.#rate(entry, now), this.#replicas);
  }

  #rate(entry: HostEntry, now: number): number {
    return Math.min(entry.rate.current(now), entry.ceiling);
  }

  /** When a job arriving now would start: behind the jobs waiting, under the rate and the concurrency cap. */
  #expectedWaitMs(entry: HostEntry, now: number): number {
    const ahead = entry.waiting.length;
    const rateWait = Math.max(0, entry.nextStartAt - now) + ahead * this.#intervalMs(entry, now);
    const share = this.#concurrencyShare();
    const beyondFreeSlots = ahead + 1 - (share - entry.running);
    const slotWait = beyondFreeSlots > 0 ? Math.ceil(beyondFreeSlots / share) * (entry.holdMs ?? 0) : 0;
    return Math.max(rateWait, slotWait);
  }

  /**
   * The turn told to a job refused as too far away: after the turns already told to others, one start interval
   * apart (or one slot's hold time over the concurrency, for an unlimited rate).
   */
  #deferredTurnMs(entry: HostEntry, now: number, waitMs: number): number {
    const spacing = this.#intervalMs(entry, now) || (entry.holdMs ?? 0) / this.#concurrencyShare();
    entry.deferredUntil = Math.max(entry.deferredUntil, now + waitMs) + spacing;
    return entry.deferredUntil - now;
  }

  #pump(entry: HostEntry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    while (entry.waiting.length > 0 && entry.running < this.#concurrencyShare()) {
      const now = this.#now();
      if (entry.nextStartAt > now) {
        entry.timer = setTimeout(() => this.#pump(entry), entry.nextStartAt - now);
        // A wait for a host must not keep a stopping process alive.
        entry.timer.unref();
        return;
      }
      const waiter = entry.waiting.shift() as Waiter;
      entry.running++;
      entry.nextStartAt = now + this.#intervalMs(entry, now);
      this.#countSecond(entry, now);
      entry.startsThisSecond++;
      waiter.start();
    }
  }

  #countSecond(entry: HostEntry, now: number): void {
    const second = Math.floor(now / 1_000);
    if (second === entry.second) return;
    const next = second === entry.second + 1;
    entry.startsLastSecond = next ? entry.startsThisSecond : 0;
    entry.slowDownsLastSecond = next ? entry.slowDownsThisSecond : 0;
    entry.startsThisSecond = 0;
    entry.slowDownsThisSecond = 0;
    entry.second = second;
  }

  #entry(host: string): HostEntry {
    let entry = this.#hosts.get(host);
    if (entry === undefined) {
      entry = {
        rate: new AdaptiveRate({ configured: this.#options.ratePerSecond }),
        ceiling: Number.POSITIVE_INFINITY,
        running: 0,
        waiting: [],
        nextStartAt: 0,
        deferredUntil: 0,
        timer: undefined,
        holdMs: undefined,
        startsThisSecond: 0,
        startsLastSecond: 0,
        slowDownsThisSecond: 0,
        slowDownsLastSecond: 0,
        second: 0,
      };
      this.#hosts.set(host, entry);
    }
    return entry;
  }
}

function stopping(): ShuttingDownError {
  return new ShuttingDownError('the fetcher is stopping; the request was not started');
}
