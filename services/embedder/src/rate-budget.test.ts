import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateBudget, type RateBudgetOptions } from './rate-budget.ts';

/** A clock that moves only when the test says: timers fire in order, and what they wake runs before the next. */
class FakeClock {
  nowMs = 0;
  readonly #timers: { at: number; resolve: () => void }[] = [];

  now = (): number => this.nowMs;

  sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = { at: this.nowMs + ms, resolve };
      this.#timers.push(timer);
      signal.addEventListener(
        'abort',
        () => {
          this.#timers.splice(this.#timers.indexOf(timer), 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });

  get pendingTimers(): number {
    return this.#timers.length;
  }

  async advanceTo(atMs: number): Promise<void> {
    for (;;) {
      await settle();
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (next === undefined || next.at > atMs) break;
      this.#timers.shift();
      this.nowMs = next.at;
      next.resolve();
    }
    this.nowMs = atMs;
    await settle();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function budget(clock: FakeClock, limits: Pick<RateBudgetOptions, 'requestsPerMinute' | 'tokensPerMinute'>) {
  return new RateBudget({ ...limits, now: clock.now, sleep: clock.sleep });
}

/** Asks for each request at once and records when it may start. */
function startTimes(clock: FakeClock, rates: RateBudget, tokens: readonly number[]): number[] {
  const starts: number[] = [];
  for (const [i, count] of tokens.entries()) {
    void rates.take(count).then(() => {
      starts[i] = clock.nowMs;
    });
  }
  return starts;
}

describe('RateBudget', () => {
  it('lets everything through at once when both budgets are unlimited', async () => {
    const clock = new FakeClock();
    const starts = startTimes(
      clock,
      budget(clock, { requestsPerMinute: 0, tokensPerMinute: 0 }),
      [1e9, 1e9, 1e9],
    );
    await clock.advanceTo(0);
    expect(starts).toEqual([0, 0, 0]);
  });

  it('allows a burst of one second of requests, then the steady rate', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 600, tokensPerMinute: 0 });
    const starts = startTimes(clock, rates, new Array(100).fill(0));
    await clock.advanceTo(3_000);
    // 10 per second: 10 at once, then one every 100 ms.
    expect(starts.filter((at) => at === 0)).toHaveLength(10);
    expect(starts.slice(10, 14)).toEqual([100, 200, 300, 400]);
    expect(starts.filter((at) => at <= 3_000)).toHaveLength(10 + 30);
    expect(rates.waiting).toBe(60);
  });

  it('allows a burst of one second of tokens, then the steady rate', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 0, tokensPerMinute: 60_000 });
    const starts = startTimes(clock, rates, new Array(60).fill(250));
    await clock.advanceTo(5_000);
    // 1,000 tokens per second: four requests of 250 at once, then one every 250 ms.
    expect(starts.slice(0, 6)).toEqual([0, 0, 0, 0, 250, 500]);
    expect(starts.filter((at) => at <= 5_000)).toHaveLength(4 + 20);
  });

  it('holds to the tighter of the two budgets', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 120, tokensPerMinute: 60_000 });
    const starts = startTimes(clock, rates, [10, 10, 10, 900, 10]);
    await clock.advanceTo(10_000);
    // Two requests per second (the burst is 2), then tokens: 900 more by 1,000 per second.
    expect(starts).toEqual([0, 0, 500, 1_000, 1_500]);
  });

  it('starts a single request at once on an idle budget, however slow the request rate', async () => {
    const clock = new FakeClock();
    const starts = startTimes(clock, budget(clock, { requestsPerMinute: 6, tokensPerMinute: 0 }), [0, 0]);
    await clock.advanceTo(20_000);
    expect(starts).toEqual([0, 10_000]);
  });

  it('makes a request larger than one second of tokens wait for its tokens, then go alone', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 0, tokensPerMinute: 60_000 });
    await clock.advanceTo(60_000); // idle for a minute: the burst is still one second's worth
    const starts = startTimes(clock, rates, [3_000, 100, 100]);
    await clock.advanceTo(70_000);
    // 3,000 tokens at 1,000 per second, the first 1,000 of them the burst: 2 s; then 100 ms for each of the next.
    expect(starts).toEqual([62_000, 62_100, 62_200]);
  });

  it('serves waiters in the order they asked, a small one never passing a large one', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 0, tokensPerMinute: 60_000 });
    const order: number[] = [];
    for (const [i, tokens] of [1_000, 2_000, 1].entries()) void rates.take(tokens).then(() => order.push(i));
    await clock.advanceTo(10_000);
    expect(order).toEqual([0, 1, 2]);
  });

  it('charges nothing for a waiter that withdraws, and rejects it with the reason', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 60, tokensPerMinute: 0 });
    await rates.take(0);
    const head = new AbortController();
    const middle = new AbortController();
    const outcomes: string[] = [];
    const record = (name: string, work: Promise<void>) =>
      work.then(
        () => outcomes.push(`${name} at ${clock.nowMs}`),
        (err: Error) => outcomes.push(`${name} ${err.message}`),
      );
    void record('head', rates.take(0, head.signal));
    void record('middle', rates.take(0, middle.signal));
    void record('last', rates.take(0));
    await clock.advanceTo(500);
    middle.abort(new Error('withdrew'));
    head.abort(new Error('withdrew'));
    await clock.advanceTo(5_000);
    // The head's turn (1 s) goes to the last, which asked after the two that withdrew.
    expect(outcomes).toEqual(['middle withdrew', 'head withdrew', 'last at 1000']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const clock = new FakeClock();
    const rates = budget(clock, { requestsPerMinute: 60, tokensPerMinute: 0 });
    await expect(rates.take(1, AbortSignal.abort(new Error('stopping')))).rejects.toThrow('stopping');
    const starts = startTimes(clock, rates, [0]);
    await clock.advanceTo(0);
    expect(starts).toEqual([0]);
  });

  it('refuses a token count that is not a count, and budgets that are not rates', async () => {
    const clock = new FakeClock();
    await expect(budget(clock, { requestsPerMinute: 1, tokensPerMinute: 1 }).take(-1)).rejects.toThrow(
      /tokens must be a finite number, 0 or more, got -1/,
    );
    expect(() => budget(clock, { requestsPerMinute: -1, tokensPerMinute: 0 })).toThrow(/requestsPerMinute/);
    expect(() => budget(clock, { requestsPerMinute: 0, tokensPerMinute: Number.NaN })).toThrow(
      /tokensPerMinute/,
    );
  });

  it('never lets a span start more tokens than its length at the rate plus one burst, or its first request', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 600, max: 600_000 }),
        fc.array(fc.record({ gapMs: fc.nat({ max: 2_000 }), tokens: fc.nat({ max: 20_000 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (tokensPerMinute, asks) => {
          const clock = new FakeClock();
          const rates = budget(clock, { requestsPerMinute: 0, tokensPerMinute });
          const started: { at: number; tokens: number }[] = [];
          let at = 0;
          for (const { gapMs, tokens } of asks) {
            at += gapMs;
            await clock.advanceTo(at);
            void rates.take(tokens).then(() => started.push({ at: clock.nowMs, tokens }));
          }
          const perMs = tokensPerMinute / 60_000;
          const allTokens = asks.reduce((total, ask) => total + ask.tokens, 0);
          await clock.advanceTo(at + allTokens / perMs + 1_000);
          expect(started).toHaveLength(asks.length);
          for (let i = 0; i < started.length; i++) {
            let sum = 0;
            for (let j = i; j < started.length; j++) {
              sum += (started[j] as { tokens: number }).tokens;
              const spanMs = (started[j] as { at: number }).at - (started[i] as { at: number }).at;
              const allowed =
                spanMs * perMs + Math.max(perMs * 1_000, (started[i] as { tokens: number }).tokens);
              expect(sum).toBeLessThanOrEqual(allowed + 1e-6 * allowed);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the real clock within the rate over a second', async () => {
    const rates = new RateBudget({ requestsPerMinute: 1_200, tokensPerMinute: 0 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, () => rates.take(0)));
    // 20 at once, then 10 more at 50 ms each: about 500 ms.
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(450);
    expect(elapsedMs).toBeLessThan(1_500);
  });
});
