import { afterEach, describe, expect, it } from 'vitest';
import { startDroppingHost } from '../../support/dropping-host.ts';
import { waitFor } from '../../support/wait-for.ts';
import { type FetcherWorld, jobFor, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;

/**
 * Arrival times at the demo API: given as its `random`, with `jitter=1` in a URL it draws one number per request as
 * the request arrives (0: no added delay), which records when each one reached it.
 */
function arrivalClock(): { arrivals: number[]; random: () => number } {
  const arrivals: number[] = [];
  return {
    arrivals,
    random: () => {
      arrivals.push(performance.now());
      return 0;
    },
  };
}

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('fetcher: circuit breaker per host', () => {
  it('opens after repeated failures, stops calling the host, then half-opens and recovers', async () => {
    // The demo API fails every `fail=0.5` request while `down`, and none after: a host that goes down and returns.
    // It draws one random number per such request as it arrives, which records when each one reached it.
    let down = true;
    const arrivals: number[] = [];
    const resetMs = 3_000;
    world = await startWorld({
      demo: {
        random: () => {
          arrivals.push(performance.now());
          return down ? 0 : 0.99;
        },
      },
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
    // The host is back, but only the half-open probe can find out.
    down = false;
    const records = await w.waitForRecords(jobs.length, 30_000);
    expect(new Set(records.map((r) => r.jobId)).size).toBe(jobs.length);

    // While the circuit was open the host saw no request, although its jobs kept coming back (and were
    // deferred), until the half-open probe a reset time after it opened. Measured where the requests arrive;
    // the 250 ms allow for requests already on their way when it opened (without the breaker, the failing
    // jobs came back within a few hundred ms).
    expect(await w.metric('tributary_fetch_deferred_total', { reason: 'circuit-open' })).toBeGreaterThan(0);
    const silences = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? at));
    expect(Math.max(...silences)).toBeGreaterThanOrEqual(resetMs - 250);
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
    const { arrivals, random } = arrivalClock();
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

  it('holds a short wait in the fetcher and sends a long one through the delay queues, at the rate all the same', async () => {
    const { arrivals, random } = arrivalClock();
    const ratePerSecond = 10;
    world = await startWorld({
      demo: { random },
      fetcher: { perHostRate: ratePerSecond, perHostConcurrency: 50, concurrency: 50, holdMaxMs: 1_000 },
    });
    const w = world;
    const total = 40;
    await w.enqueue(...Array.from({ length: total }, (_, i) => w.job(`/records/${500 + i}?jitter=1`)));
    const records = await w.waitForRecords(total);
    expect(new Set(records.map((r) => r.jobId)).size).toBe(total);
    // About a second's worth waited in memory; the rest went through the delay queues and came back in time.
    expect(await w.metric('tributary_fetch_deferred_total', { reason: 'host-busy' })).toBeGreaterThan(0);
    expect(arrivals).toHaveLength(total);
    for (let i = ratePerSecond + 1; i < total; i++) {
      expect((arrivals[i] ?? 0) - (arrivals[i - ratePerSecond] ?? 0)).toBeGreaterThanOrEqual(1_000 - 25);
    }
    // Deferred jobs come back no later than their turn (the delay bucket at most their wait), so the host is
    // kept busy: well under twice the ideal time, where coming back after the turn would leave it idle.
    const spanMs = (arrivals[total - 1] ?? 0) - (arrivals[0] ?? 0);
    expect(spanMs).toBeLessThan(((total - 1) / ratePerSecond) * 1_000 * 1.6);
  });

  it('slows a host that answers 429 instead of pausing it, and the rate climbs back', async () => {
    const { arrivals, random } = arrivalClock();
    const retryAfterMs = 3_000;
    const ratePerSecond = 10;
    world = await startWorld({
      demo: { random },
      fetcher: { perHostRate: ratePerSecond, perHostConcurrency: 10, concurrency: 10 },
    });
    const w = world;
    const host = new URL(w.demoUrl).host;
    const limited = `/records/300?failFirst=1&failStatus=429&retryAfter=${retryAfterMs / 1_000}&jitter=1`;
    await w.enqueue(w.job(limited));
    await waitFor(() => w.attempts(limited) === 1, { timeoutMs: 10_000, what: 'the 429' });
    await waitFor(async () => (await w.metric('tributary_fetch_host_rate', { host })) < ratePerSecond, {
      timeoutMs: 5_000,
      what: "the host's rate to drop",
    });
    const lowered = await w.metric('tributary_fetch_host_rate', { host });
    expect(lowered).toBeGreaterThan(ratePerSecond / 2);
    const firstArrival = arrivals[0] ?? 0;
    const others = Array.from({ length: 8 }, (_, i) => w.job(`/records/${301 + i}?jitter=1`));
    await w.enqueue(...others);
    const records = await w.waitForRecords(others.length + 1);
    expect(records).toHaveLength(others.length + 1);
    // The job answered 429 came back no sooner than it was asked to; the others did not wait for it, and were
    // neither paused nor deferred: they went at the lowered rate.
    const otherArrivals = arrivals.slice(1).sort((a, b) => a - b);
    expect(otherArrivals).toHaveLength(others.length + 1);
    const lastRequest = otherArrivals.at(-1) ?? 0;
    expect(lastRequest - firstArrival).toBeGreaterThanOrEqual(retryAfterMs);
    expect(otherArrivals.filter((at) => at - firstArrival < retryAfterMs).length).toBe(others.length);
    expect(await w.metric('tributary_fetch_deferred_total')).toBe(0);
    await waitFor(async () => (await w.metric('tributary_fetch_host_rate', { host })) === ratePerSecond, {
      timeoutMs: 10_000,
      what: 'the rate to climb back to the configured one',
    });
  });
});

describe('fetcher: the breaker judges the host, not a few URLs', () => {
  it('never opens for a host where 5 % of URLs fail, even when only their retries are left', async () => {
    world = await startWorld({
      fetcher: {
        maxAttempts: 5,
        // Retries come back after the window has forgotten the successes: only failing retries are left in it.
        breakerWindowMs: 1_000,
        backoffBaseMs: 1_000,
        backoffMaxMs: 1_000,
      },
    });
    const w = world;
    const host = new URL(w.demoUrl).host;
    const jobs = Array.from({ length: 200 }, (_, i) =>
      w.job(i % 20 === 0 ? `/records/${600 + i}?failFirst=3` : `/records/${600 + i}`),
    );
    await w.enqueue(...jobs);
    const records = await w.waitForRecords(jobs.length, 30_000);
    expect(new Set(records.map((r) => r.jobId)).size).toBe(jobs.length);
    expect(await w.metric('tributary_fetch_requests_total', { host, status_class: '5xx' })).toBe(30);
    expect(await w.metric('tributary_fetch_circuit_transitions_total', { host, to: 'open' })).toBe(0);
    expect(await w.metric('tributary_fetch_deferred_total', { reason: 'circuit-open' })).toBe(0);
  });

  it('opens within a few requests for a host that refuses connections, and its jobs stop calling it', async () => {
    const refusing = await startDroppingHost();
    const breakerVolume = 5;
    const perHostConcurrency = 2;
    try {
      world = await startWorld({
        fetcher: {
          allowPrivate: true,
          maxAttempts: 50,
          breakerVolume,
          perHostConcurrency,
          breakerResetMs: 60_000,
        },
      });
      const w = world;
      const jobs = Array.from({ length: 30 }, (_, i) => jobFor(`http://${refusing.host}/doc/${i}`));
      await w.enqueue(...jobs);
      await waitFor(
        async () => (await w.metric('tributary_fetch_deferred_total', { reason: 'circuit-open' })) >= 60,
        { timeoutMs: 15_000, what: 'the jobs to be deferred by the open circuit' },
      );
      // The volume, plus the requests already on their way when it opened; none since, though every job came
      // back at least twice.
      expect(refusing.connections()).toBeGreaterThanOrEqual(breakerVolume);
      expect(refusing.connections()).toBeLessThanOrEqual(breakerVolume + perHostConcurrency);
      expect(await w.metric('tributary_fetch_circuit_state', { host: refusing.host })).toBe(2);
    } finally {
      refusing.close();
    }
  });
});
