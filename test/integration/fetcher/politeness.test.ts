import { sleep, waitFor } from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetcherWorld, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const recordRequests = (w: FetcherWorld) => w.demo.stats.snapshot().requests['/records/:id'] ?? 0;

describe('fetcher: circuit breaker per host', () => {
  it('opens after repeated failures, stops calling the host, then half-opens and recovers', async () => {
    // The demo API fails every `fail=0.5` request while `down`, and none after: a host that goes down and returns.
    let down = true;
    const resetMs = 2_000;
    world = await startWorld({
      demo: { random: () => (down ? 0 : 0.99) },
      fetcher: {
        maxAttempts: 50,
        breakerVolume: 5,
        breakerErrorPercent: 50,
        breakerResetMs: resetMs,
        breakerWindowMs: 10_000,
        concurrency: 4,
        perHostConcurrency: 4,
      },
    });
    const w = world;
    const jobs = Array.from({ length: 20 }, (_, i) => w.job(`/records/${100 + i}?fail=0.5`));
    await w.enqueue(...jobs);
    const host = new URL(w.demoUrl).host;
    await waitFor(async () => (await w.metric('tributary_fetch_circuit_state', { host })) === 2, {
      timeoutMs: 15_000,
      what: 'the breaker to open',
    });
    const openedAt = performance.now();
    const atOpen = recordRequests(w);
    // Requests already in flight when it opened (at most the per-host cap) may still land; then nothing.
    await sleep(300);
    const settled = recordRequests(w);
    expect(settled - atOpen).toBeLessThanOrEqual(4);
    await sleep(resetMs - 800);
    if (performance.now() - openedAt < resetMs - 50) {
      // Still open (the timer cannot fire early): the host saw nothing more although jobs kept coming back.
      expect(recordRequests(w)).toBe(settled);
    }
    expect(await w.metric('tributary_fetch_deferred_total', { reason: 'circuit-open' })).toBeGreaterThan(0);

    down = false;
    const records = await w.waitForRecords(jobs.length, 30_000);
    expect(new Set(records.map((r) => r.jobId)).size).toBe(jobs.length);
    expect(
      await w.metric('tributary_fetch_circuit_transitions_total', { host, to: 'open' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await w.metric('tributary_fetch_circuit_transitions_total', { host, to: 'half-open' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await w.metric('tributary_fetch_circuit_transitions_total', { host, to: 'closed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await w.metric('tributary_fetch_circuit_state', { host })).toBe(0);
    expect(await w.deadLetters()).toEqual([]);
  });
});

describe('fetcher: per-host rate limit', () => {
  it('starts no more requests per second to one host than configured (measured at the demo API)', async () => {
    const ratePerSecond = 10;
    // Arrival times at the demo API: with `jitter=1` it draws one random number per request as it arrives.
    const arrivals: number[] = [];
    const random = () => {
      arrivals.push(performance.now());
      return 0;
    };
    world = await startWorld({
      demo: { random },
      fetcher: { perHostRate: ratePerSecond, perHostConcurrency: 50, concurrency: 50 },
    });
    const w = world;
    const total = 30;
    await w.enqueue(...Array.from({ length: total }, (_, i) => w.job(`/records/${200 + i}?jitter=1`)));
    await w.waitForRecords(total);
    expect(arrivals).toHaveLength(total);
    // A sliding window: the 12th request starts no sooner than a second after the 2nd, and so on. Measured where
    // they arrive, so 25 ms allow for one request's travel differing from another's; the first request is left
    // out, since it also waited for its connection (an unlimited fetcher sends all 30 within a few ms).
    for (let i = ratePerSecond + 1; i < total; i++) {
      expect((arrivals[i] ?? 0) - (arrivals[i - ratePerSecond] ?? 0)).toBeGreaterThanOrEqual(1_000 - 25);
    }
    const spanMs = (arrivals[total - 1] ?? 0) - (arrivals[1] ?? 0);
    expect(spanMs).toBeGreaterThanOrEqual(((total - 1 - ratePerSecond) / ratePerSecond) * 1_000 - 25);
    // And it is a limit, not a stall: well under twice the ideal time.
    expect(spanMs).toBeLessThan(((total - 1) / ratePerSecond) * 1_000 * 2);
  });

  it('pauses a host that answers 429: its other jobs wait in the delay queue instead of calling it', async () => {
    world = await startWorld({ fetcher: { perHostConcurrency: 1, concurrency: 10 } });
    const w = world;
    const limited = '/records/300?failFirst=1&failStatus=429&retryAfter=2';
    await w.enqueue(w.job(limited));
    await waitFor(() => w.attempts(limited) === 1, { timeoutMs: 10_000, what: 'the 429' });
    const pausedAt = performance.now();
    const others = Array.from({ length: 5 }, (_, i) => w.job(`/records/${301 + i}`));
    await w.enqueue(...others);
    await waitFor(
      async () => (await w.metric('tributary_fetch_deferred_total', { reason: 'host-backoff' })) >= 5,
      {
        timeoutMs: 10_000,
        what: 'the other jobs to be deferred',
      },
    );
    if (performance.now() - pausedAt < 1_900) expect(recordRequests(w)).toBe(1);
    const records = await w.waitForRecords(6);
    expect(records).toHaveLength(6);
  });
});
