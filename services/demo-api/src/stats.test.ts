import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ROUTES } from './routes.ts';
import { DemoStats, type DemoStatsOptions } from './stats.ts';

/** DemoStats on a clock the test moves by hand. */
function statsAt(options: Partial<DemoStatsOptions> = {}) {
  const clock = { ms: 0 };
  const stats = new DemoStats({ registry: new Registry(), now: () => clock.ms, ...options });
  /** One request for `host` arriving at `ms` and ending at once. */
  const hit = (host: string | undefined, ms: number) => {
    clock.ms = ms;
    stats.arrived(ROUTES.record, host);
    stats.finished(ROUTES.record, host);
  };
  return { stats, clock, hit };
}

describe('DemoStats by host', () => {
  it('takes the peak per second over a sliding 1 s window, not over whole-second buckets', () => {
    const { stats, hit } = statsAt();
    for (const ms of [0, 100, 200, 300, 400, 1_100, 1_150, 1_200, 1_250, 1_300]) hit('a.test', ms);
    // Whole seconds would say 5 and 5. Sliding: at 1,250 the window (250, 1,250] holds 300, 400 and the four
    // arrivals from 1,100 on, 6; at 1,300 the 300 has left it and 1,300 came in, 6 again. Nothing holds 7.
    expect(stats.snapshot().byHost['a.test']).toEqual({
      requests: 10,
      inFlight: 0,
      peakInFlight: 1,
      peakPerSecond: 6,
    });
  });

  it('puts arrivals exactly 1,000 ms apart in different windows', () => {
    const { stats, hit } = statsAt();
    for (const ms of [0, 1_000, 2_000]) hit('a.test', ms);
    expect(stats.snapshot().byHost['a.test']?.peakPerSecond).toBe(1);
    hit('a.test', 2_999);
    expect(stats.snapshot().byHost['a.test']?.peakPerSecond).toBe(2);
  });

  it('keeps counting right when many arrivals leave the window (the deque compacts)', () => {
    const { stats, hit } = statsAt();
    // 10 arrivals in each whole ms for 3 s: a window of 1,000 ms holds at most 10,000 (the last 1,000 ms).
    for (let i = 0; i < 30_000; i++) hit('busy.test', Math.floor(i / 10));
    expect(stats.snapshot().byHost['busy.test']).toMatchObject({ requests: 30_000, peakPerSecond: 10_000 });
  });

  it('counts in flight now and the peak in flight, per host', () => {
    const { stats, clock } = statsAt();
    clock.ms = 10;
    for (let i = 0; i < 3; i++) stats.arrived(ROUTES.page, 'a.test');
    stats.arrived(ROUTES.page, 'b.test');
    stats.finished(ROUTES.page, 'a.test');
    stats.finished(ROUTES.page, 'a.test');
    stats.arrived(ROUTES.page, 'a.test');
    expect(stats.snapshot().byHost).toEqual({
      'a.test': { requests: 4, inFlight: 2, peakInFlight: 3, peakPerSecond: 4 },
      'b.test': { requests: 1, inFlight: 1, peakInFlight: 1, peakPerSecond: 1 },
    });
    expect(stats.snapshot().inFlight).toBe(3);
  });

  it('keys hosts by the Host header lower-cased, port included, with a missing one under ""', () => {
    const { stats, hit } = statsAt();
    hit('127.0.0.2:8080', 0);
    hit('127.0.0.2:8081', 0);
    hit('Example.TEST', 0);
    hit('example.test', 0);
    hit(undefined, 0);
    hit('__proto__', 0);
    const { byHost } = stats.snapshot();
    expect(Object.keys(byHost).sort()).toEqual(
      ['', '127.0.0.2:8080', '127.0.0.2:8081', '__proto__', 'example.test'].sort(),
    );
    expect(byHost['example.test']?.requests).toBe(2);
    expect(byHost['']?.requests).toBe(1);
    expect(Object.getPrototypeOf(byHost)).toBe(Object.prototype);
  });

  it('leaves the observability routes out, like the other exact counters', () => {
    const { stats } = statsAt();
    for (const route of [ROUTES.stats, ROUTES.statsReset, ROUTES.metrics, ROUTES.healthz]) {
      stats.arrived(route, 'a.test');
      stats.finished(route, 'a.test');
    }
    stats.arrived(ROUTES.stats, 'a.test');
    expect(stats.snapshot()).toMatchObject({ total: 0, inFlight: 0, byHost: {} });
    stats.arrived(ROUTES.feed, 'a.test');
    stats.arrived(ROUTES.unmatched, 'a.test');
    expect(stats.snapshot().byHost['a.test']).toMatchObject({ requests: 2, inFlight: 2 });
  });

  it('resets counts and peaks, keeping requests in flight counted and forgetting idle hosts', () => {
    const { stats, clock, hit } = statsAt();
    for (const ms of [0, 1, 2, 3]) hit('idle.test', ms);
    for (let i = 0; i < 3; i++) stats.arrived(ROUTES.record, 'busy.test');
    stats.finished(ROUTES.record, 'busy.test');
    stats.reset();
    expect(stats.snapshot().byHost).toEqual({
      'busy.test': { requests: 0, inFlight: 2, peakInFlight: 2, peakPerSecond: 0 },
    });
    // Arrivals before the reset are not in the new window: one arrival 10 ms later is a peak of 1.
    clock.ms = 13;
    stats.arrived(ROUTES.record, 'busy.test');
    for (let i = 0; i < 3; i++) stats.finished(ROUTES.record, 'busy.test');
    expect(stats.snapshot().byHost).toEqual({
      'busy.test': { requests: 1, inFlight: 0, peakInFlight: 3, peakPerSecond: 1 },
    });
    expect(stats.snapshot().inFlight).toBe(0);
  });

  it('tracks at most maxTrackedHosts, forgetting the least recently seen host with nothing in flight', () => {
    const { stats, hit } = statsAt({ maxTrackedHosts: 3 });
    stats.arrived(ROUTES.record, 'held.test');
    hit('one.test', 0);
    hit('two.test', 1);
    hit('one.test', 2);
    // Full: held.test is the least recently seen, but has a request in flight; two.test goes.
    hit('three.test', 3);
    expect(Object.keys(stats.snapshot().byHost).sort()).toEqual(['held.test', 'one.test', 'three.test']);
    stats.finished(ROUTES.record, 'held.test');
    hit('four.test', 4);
    expect(Object.keys(stats.snapshot().byHost).sort()).toEqual(['four.test', 'one.test', 'three.test']);
    // A forgotten host that comes back starts over.
    hit('two.test', 5);
    expect(stats.snapshot().byHost['two.test']?.requests).toBe(1);
  });
});
