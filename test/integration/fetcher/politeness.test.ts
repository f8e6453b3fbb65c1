import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.ts';
import { type FetcherWorld, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;

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
    // Arrival times at the demo API: with `jitter=1` it draws one random number per request as it arrives.
    const arrivals: number[] = [];
    const random = () => {
      arrivals.push(performance.now());
      return 0;
    };
    const retryAfterMs = 3_000;
    world = await startWorld({ demo: { random }, fetcher: { perHostConcurrency: 1, concurrency: 10 } });
    const w = world;
    const limited = `/records/300?failFirst=1&failStatus=429&retryAfter=${retryAfterMs / 1_000}&jitter=1`;
    await w.enqueue(w.job(limited));
    await waitFor(() => w.attempts(limited) === 1, { timeoutMs: 10_000, what: 'the 429' });
    const others = Array.from({ length: 5 }, (_, i) => w.job(`/records/${301 + i}?jitter=1`));
    await w.enqueue(...others);
    await waitFor(
      async () => (await w.metric('tributary_fetch_deferred_total', { reason: 'host-backoff' })) >= 5,
      {
        timeoutMs: 10_000,
        what: 'the other jobs to be deferred',
      },
    );
    const records = await w.waitForRecords(6);
    expect(records).toHaveLength(6);
    // Seven requests reached the host: the one answered 429, its retry and the five others. After the 429 the
    // host saw nothing for as long as it asked (the pause began when the answer came back, after the request
    // arrived), although the others came meanwhile.
    expect(arrivals).toHaveLength(7);
    const [limitedArrival = 0, ...later] = arrivals;
    for (const at of later) expect(at - limitedArrival).toBeGreaterThanOrEqual(retryAfterMs);
  });
});
