import { sleep } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FetcherClosingError, HostPausedError } from './errors.ts';
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
    await sleep(20);
    expect(running).toBe(4);
    release.open();
    await Promise.all([...a, ...b]);
    expect(peak).toBe(4);
  });

  it('spaces requests to one host at the configured rate (measured)', async () => {
    const limits = new HostLimits({ concurrency: 100, ratePerSecond: 20, maxHosts: 10 });
    const starts: number[] = [];
    const began = performance.now();
    await Promise.all(
      Array.from({ length: 12 }, () =>
        limits.run('a.example', async () => {
          starts.push(performance.now() - began);
        }),
      ),
    );
    // 2 per 100 ms window: the 12th start is in the 6th window, at least 500 ms in.
    expect(starts[11]).toBeGreaterThanOrEqual(480);
    expect(starts[11]).toBeLessThan(2_000);
    for (let i = 2; i < starts.length; i++) {
      expect((starts[i] ?? 0) - (starts[i - 2] ?? 0)).toBeGreaterThanOrEqual(95);
    }
  });

  it('after a pause, hands back the jobs waiting and refuses new ones until it ends, then runs again', async () => {
    let now = 1_000;
    const limits = new HostLimits({ concurrency: 1, ratePerSecond: 0, maxHosts: 10, now: () => now });
    const release = gate();
    const running = limits.run('a.example', () => release.promise.then(() => 'first'));
    const waiting = limits.run('a.example', async () => 'second');
    limits.pause('a.example', 200);
    await expect(waiting).rejects.toBeInstanceOf(HostPausedError);
    await expect(limits.run('a.example', async () => 'third')).rejects.toMatchObject({ remainingMs: 200 });
    expect(limits.pausedForMs('a.example')).toBe(200);
    expect(limits.pausedForMs('b.example')).toBe(0);
    release.open();
    await expect(running).resolves.toBe('first');
    now += 250;
    await sleep(250);
    await expect(limits.run('a.example', async () => 'later')).resolves.toBe('later');
  });

  it('on close, hands back waiting jobs and lets running ones finish', async () => {
    const limits = new HostLimits({ concurrency: 1, ratePerSecond: 0, maxHosts: 10 });
    const release = gate();
    const running = limits.run('a.example', () => release.promise.then(() => 'done'));
    const waiting = limits.run('a.example', async () => 'never');
    limits.close();
    await expect(waiting).rejects.toBeInstanceOf(FetcherClosingError);
    await expect(limits.run('b.example', async () => 'never')).rejects.toBeInstanceOf(FetcherClosingError);
    release.open();
    await expect(running).resolves.toBe('done');
  });

  it('keeps at most maxHosts hosts', async () => {
    const limits = new HostLimits({ concurrency: 1, ratePerSecond: 0, maxHosts: 3 });
    for (let i = 0; i < 10; i++) await limits.run(`h${i}.example`, async () => undefined);
    expect(limits.load.hosts).toBe(3);
  });
});
