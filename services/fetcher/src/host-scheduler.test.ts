import { ShuttingDownError } from '@tributary/messaging';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostBusyError } from './errors.ts';
import { HostScheduler, startSpacingMs } from './host-scheduler.ts';

function scheduler(options: Partial<ConstructorParameters<typeof HostScheduler>[0]> = {}) {
  return new HostScheduler({
    concurrency: 100,
    ratePerSecond: 0,
    holdMaxMs: 60_000,
    maxHosts: 10,
    now: () => Date.now(),
    ...options,
  });
}

/** Runs `count` jobs of `durationMs` each on one host; returns when each started and the most running at once. */
async function runJobs(s: HostScheduler, count: number, durationMs: number, host = 'a.example') {
  const starts: number[] = [];
  let running = 0;
  let peak = 0;
  const jobs = Array.from({ length: count }, () =>
    s.run(host, async () => {
      starts.push(Date.now());
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      running--;
    }),
  );
  return { starts, peak: () => peak, done: Promise.allSettled(jobs) };
}

/** The most starts within any window of `windowMs` (a start exactly `windowMs` after another is outside it). */
function peakPerWindow(starts: number[], windowMs = 1_000): number {
  let peak = 0;
  for (const [i, start] of starts.entries()) {
    peak = Math.max(peak, starts.slice(i).filter((t) => t < start + windowMs).length);
  }
  return peak;
}

describe('HostScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the concurrency cap per host and lets other hosts run beside it', async () => {
    const s = scheduler({ concurrency: 2 });
    const a = await runJobs(s, 6, 100, 'a.example');
    const b = await runJobs(s, 2, 100, 'b.example');
    await vi.advanceTimersByTimeAsync(0);
    expect(a.starts).toHaveLength(2);
    expect(b.starts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(300);
    await a.done;
    expect(a.peak()).toBe(2);
    expect(a.starts).toEqual([0, 0, 100, 100, 200, 200]);
  });

  it('spaces starts evenly at the rate: no burst, at most the rate in any second', async () => {
    const s = scheduler({ ratePerSecond: 10 });
    const jobs = await runJobs(s, 30, 10);
    await vi.advanceTimersByTimeAsync(4_000);
    await jobs.done;
    const spacing = startSpacingMs(10, 1);
    expect(spacing).toBeGreaterThan(100);
    expect(jobs.starts.slice(0, 4)).toEqual([0, 1, 2, 3].map((i) => Math.ceil(i * spacing)));
    // Even counted in windows shifted by the travel margin (starts 50 ms early), no second holds more than the rate.
    expect(peakPerWindow(jobs.starts, 1_050)).toBe(10);
  });

  it("keeps a host's own ceiling (Crawl-delay) below the configured rate, and only for that host", async () => {
    const s = scheduler({ ratePerSecond: 20 });
    s.capRate('a.example', 2);
    s.capRate('b.example', 100);
    expect(s.rateOf('a.example')).toBe(2);
    expect(s.rateOf('b.example')).toBe(20);
    const jobs = await runJobs(s, 6, 10, 'a.example');
    await vi.advanceTimersByTimeAsync(4_000);
    await jobs.done;
    expect(peakPerWindow(jobs.starts, 1_050)).toBe(2);
    s.capRate('a.example', undefined);
    expect(s.rateOf('a.example')).toBe(20);
  });

  it('takes an equal share of the limits when several fetchers share the host', async () => {
    const s = scheduler({ ratePerSecond: 30, concurrency: 6 });
    s.setReplicas(3);
    const jobs = await runJobs(s, 20, 1_000);
    await vi.advanceTimersByTimeAsync(15_000);
    await jobs.done;
    expect(jobs.peak()).toBe(2);
    expect(peakPerWindow(jobs.starts, 1_050)).toBeLessThanOrEqual(10);
  });

  it('holds a job whose turn is near and refuses one whose turn is further, telling successive turns', async () => {
    const s = scheduler({ ratePerSecond: 10, holdMaxMs: 1_000 });
    const held = await runJobs(s, 10, 10);
    const refused: number[] = [];
    for (let i = 0; i < 3; i++) {
      const err = await s.run('a.example', async () => {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HostBusyError);
      refused.push((err as HostBusyError).retryAfterMs);
    }
    expect(s.waiting).toBe(9);
    // Behind the 10 held (the last starts 9 intervals after the first), one start interval apart.
    const spacing = startSpacingMs(10, 1);
    expect(refused).toEqual([1, 2, 3].map((i) => expect.closeTo((10 + i) * spacing, 5)));
    // A job coming back for its turn while the host is still busy is told the nearest turn, moving no one's.
    const cameBack = await s.run('a.example', async () => {}, true).catch((e: unknown) => e);
    expect((cameBack as HostBusyError).retryAfterMs).toBeCloseTo(10 * spacing, 0);
    const next = await s.run('a.example', async () => {}).catch((e: unknown) => e);
    expect((next as HostBusyError).retryAfterMs).toBeCloseTo(14 * spacing, 0);
    await vi.advanceTimersByTimeAsync(2_000);
    await held.done;
    expect(held.starts).toHaveLength(10);
  });

  it('lowers the rate when the host asks to slow down, and recovers', async () => {
    const s = scheduler({ ratePerSecond: 10 });
    const first = await runJobs(s, 10, 10);
    await vi.advanceTimersByTimeAsync(1_000);
    await first.done;
    // One answer in ten asks to slow down: a little slower; half of them: the full step (× 0.7).
    s.slowDown('a.example');
    expect(s.rateOf('a.example')).toBeCloseTo(9);
    for (let i = 0; i < 4; i++) s.slowDown('a.example');
    expect(s.rateOf('a.example')).toBeCloseTo(7);
    const slowed = await runJobs(s, 5, 10);
    await vi.advanceTimersByTimeAsync(1_000);
    await slowed.done;
    const gaps = slowed.starts.slice(1).map((t, i) => t - (slowed.starts[i] ?? t));
    // Slower than the configured rate, recovering (20 % of it a second) while the five start.
    for (const gap of gaps) expect(gap).toBeGreaterThan(startSpacingMs(10, 1) + 20);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.rateOf('a.example')).toBe(10);
  });

  it('refuses with the expected wait under the concurrency cap when the rate is unlimited', async () => {
    const s = scheduler({ concurrency: 2, holdMaxMs: 900 });
    const warm = await runJobs(s, 2, 500);
    await vi.advanceTimersByTimeAsync(500);
    await warm.done;
    // Requests hold a slot 500 ms: with 2 running and 2 waiting, the next one's turn is 1 s away.
    const held = await runJobs(s, 4, 500);
    const err = await s.run('a.example', async () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostBusyError);
    await vi.advanceTimersByTimeAsync(2_000);
    await held.done;
  });

  it('hands back every waiting job when closed; running ones finish', async () => {
    const s = scheduler({ concurrency: 1 });
    let finished = false;
    const running = s.run('a.example', async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = true;
    });
    const waiting = s.run('a.example', async () => {}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    s.close();
    expect(await waiting).toBeInstanceOf(ShuttingDownError);
    await vi.advanceTimersByTimeAsync(100);
    await running;
    expect(finished).toBe(true);
    await expect(s.run('a.example', async () => {})).rejects.toBeInstanceOf(ShuttingDownError);
  });
});
