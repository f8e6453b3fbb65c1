import { ShuttingDownError } from '@tributary/messaging';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostPausedError } from './errors.ts';
import { HostLimits, rateWindow } from './host-limits.ts';

describe('rateWindow', () => {
  it.each([
    [0, undefined],
    [0.5, { intervalCap: 1, interval: 2_000 }],
    [5, { intervalCap: 1, interval: 200 }],
    [20, { intervalCap: 2, interval: 100 }],
    [1_000, { intervalCap: 100, interval: 100 }],
  ])('%s requests/s → %j', (rate, window) => {
    expect(rateWindow(rate)).toEqual(window);
  });
});

function gate() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}

describe('HostLimits', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('caps the requests in flight per host, not across hosts', async () => {
    const limits = new HostLimits({ concurrency: 2, ratePerSecond: 0, maxHosts: 10 });
    const release = gate();
    let running = 0;
    let peak = 0;
    const work = async () => {
      running++;
      peak = Math.max(peak, running);
      await release.promise;
      running--;
    };
    const a = Array.from({ length: 5 }, () => limits.run('a.example', work));
    const b = Array.from({ length: 5 }, () => limits.run('b.example', work));
    // Whatever could start has started once pending callbacks and promises have run.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(running).toBe(4);
    expect(limits.waiting).toBe(6);
    release.open();
    await Promise.all([...a, ...b]);
    expect(peak).toBe(4);
  });

  it('spaces requests to one host at the configured rate', async () => {
    const limits = new HostLimits({ concurrency: 100, ratePerSecond: 20, maxHosts: 10 });
    const starts: number[] = [];
    const began = Date.now();
    const all = Promise.all(
      Array.from({ length: 12 }, () =>
        limits.run('a.example', async () => {
          starts.push(Date.now() - began);
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await all;
    // 2 per 100 ms window: the 12th start is in the 6th window, 500 ms in.
    expect(starts).toHaveLength(12);
    expect(starts[11]).toBe(500);
    for (let i = 2; i < starts.length; i++) {
      expect((starts[i] ?? 0) - (starts[i - 2] ?? 0)).toBeGreaterThanOrEqual(100);
    }
  });

  it('after a pause, hands back the jobs waiting and refuses new ones until it ends, then runs again', async () => {
    const limits = new HostLimits({ concurrency: 1, ratePerSecond: 0, maxHosts: 10 });
    const release = gate();
    const running = limits.run('a.example', () => release.promise.then(() => 'first'));
    const waiting = limits.run('a.example', async () => 'second');
    limits.pause('a.example', 200);
    await expect(waiting).rejects.toBeInstanceOf(HostPausedError);
    await expect(limits.run('a.example', async () => 'third')).rejects.toMatchObject({
      reason: 'host-backoff',
      retryAfterMs: 200,
    });
    // Another host is not paused.
    await expect(limits.run('b.example', async () => 'other host')).resolves.toBe('other host');
    release.open();
    await expect(running).resolves.toBe('first');
    await vi.advanceTimersByTimeAsync(150);
    await expect(limits.run('a.example', async () => 'too soon')).rejects.toMatchObject({
      retryAfterMs: 50,
    });
    await vi.advanceTimersByTimeAsync(50);
    await expect(limits.run('a.example', async () => 'later')).resolves.toBe('later');
  });

  it('on close, hands back waiting jobs as shutting-down and lets running ones finish', async () => {
    const limits = new HostLimits({ concurrency: 1, ratePerSecond: 0, maxHosts: 10 });
    const release = gate();
    const running = limits.run('a.example', () => release.promise.then(() => 'done'));
    const waiting = limits.run('a.example', async () => 'never');
    limits.close();
    await expect(waiting).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(limits.run('b.example', async () => 'never')).rejects.toMatchObject({
      reason: 'shutting-down',
    });
    release.open();
    await expect(running).resolves.toBe('done');
  });

  it('keeps at most maxHosts hosts, and says which host it forgets', async () => {
    const forgotten: string[] = [];
    const limits = new HostLimits({
      concurrency: 1,
      ratePerSecond: 0,
      maxHosts: 3,
      onForget: (host) => forgotten.push(host),
    });
    for (let i = 0; i < 10; i++) await limits.run(`h${i}.example`, async () => undefined);
    const kept = Array.from({ length: 10 }, (_, i) => `h${i}.example`).filter((host) => limits.keeps(host));
    expect(kept).toEqual(['h7.example', 'h8.example', 'h9.example']);
    expect(forgotten).toEqual(Array.from({ length: 7 }, (_, i) => `h${i}.example`));
  });
});
