import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BreakerState, CircuitBreakers, type HostJudgement } from './circuit-breakers.ts';
import { classify, type Observation } from './classify.ts';
import { CircuitOpenError } from './errors.ts';
import { judgeHost } from './fetch-job.ts';

type Result = { judged: HostJudgement };
const judged = (result: Result) => result.judged;
const answer = (judgement: HostJudgement) => async (): Promise<Result> => ({ judged: judgement });

function breakers(
  transitions: [string, BreakerState][] = [],
  options: { maxHosts?: number; probes?: number } = {},
) {
  return new CircuitBreakers({
    errorThresholdPercentage: 50,
    volumeThreshold: 4,
    resetTimeoutMs: 150,
    rollingWindowMs: 10_000,
    probes: options.probes ?? 1,
    maxHosts: options.maxHosts ?? 10,
    onTransition: (host, to) => transitions.push([host, to]),
  });
}

/** The state of a host's breaker, as the metrics read it; a host without a breaker is closed. */
function stateOf(b: CircuitBreakers, host: string): BreakerState {
  return new Map(b.states()).get(host) ?? 'closed';
}

/** One attempt through the breaker, judged as the fetcher judges it (classify, then judgeHost). */
async function attempt(b: CircuitBreakers, host: string, observation: Observation, attemptNumber: number) {
  const verdict = classify(observation, {
    attempt: attemptNumber,
    backoff: { baseMs: 1_000, maxMs: 60_000 },
  });
  return b.call(
    host,
    async () => verdict,
    (v) => judgeHost(v, attemptNumber),
  );
}

describe('CircuitBreakers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after repeated failures, refuses without calling, then a half-open probe closes it', async () => {
    const transitions: [string, BreakerState][] = [];
    const b = breakers(transitions);
    let calls = 0;
    const fail = async (): Promise<Result> => {
      calls++;
      return { judged: 'failure' };
    };
    for (let i = 0; i < 4; i++)
      expect(await b.call('a.example', fail, judged)).toEqual({ judged: 'failure' });
    expect(stateOf(b, 'a.example')).toBe('open');
    expect(b.isOpen('a.example')).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    const refused = await b.call('a.example', fail, judged).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ reason: 'circuit-open', retryable: true, retryAfterMs: 100 });
    expect(calls).toBe(4);
    // Other hosts are not affected.
    expect(await b.call('b.example', answer('success'), judged)).toEqual({ judged: 'success' });

    await vi.advanceTimersByTimeAsync(99);
    expect(stateOf(b, 'a.example')).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(stateOf(b, 'a.example')).toBe('half-open');
    await b.call('a.example', answer('success'), judged);
    expect(stateOf(b, 'a.example')).toBe('closed');
    expect(transitions).toEqual([
      ['a.example', 'open'],
      ['a.example', 'half-open'],
      ['a.example', 'closed'],
    ]);
    b.close();
  });

  it('lets `probes` requests through while half-open; neutral ones let the next through, a failure opens it again', async () => {
    const b = breakers([], { probes: 2 });
    for (let i = 0; i < 4; i++) await b.call('a.example', answer('failure'), judged);
    await vi.advanceTimersByTimeAsync(150);
    const releases: ((judgement: HostJudgement) => void)[] = [];
    const held = () =>
      b.call(
        'a.example',
        () => new Promise<Result>((resolve) => releases.push((j) => resolve({ judged: j }))),
        judged,
      );
    const probes = [held(), held()];
    const third = await b.call('a.example', answer('success'), judged).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(CircuitOpenError);
    expect(b.isOpen('a.example')).toBe(true);
    // A neutral probe (a retry failing again) decides nothing and frees its place.
    releases[0]?.('neutral');
    await probes[0];
    expect(stateOf(b, 'a.example')).toBe('half-open');
    expect(b.isOpen('a.example')).toBe(false);
    releases[1]?.('failure');
    await probes[1];
    expect(stateOf(b, 'a.example')).toBe('open');
    b.close();
  });

  it('does not let a request sent before the breaker opened decide the half-open state', async () => {
    const b = breakers();
    let release: () => void = () => {};
    const early = b.call(
      'a.example',
      () => new Promise<Result>((r) => (release = () => r({ judged: 'success' }))),
      judged,
    );
    for (let i = 0; i < 4; i++) await b.call('a.example', answer('failure'), judged);
    await vi.advanceTimersByTimeAsync(150);
    expect(stateOf(b, 'a.example')).toBe('half-open');
    release();
    await early;
    expect(stateOf(b, 'a.example')).toBe('half-open');
    b.close();
  });

  it('keeps at most maxHosts breakers', async () => {
    const b = breakers([], { maxHosts: 2 });
    for (const host of ['a', 'b', 'c', 'd']) await b.call(host, answer('success'), judged);
    expect([...b.states()].map(([host]) => host).sort()).toEqual(['c', 'd']);
    b.close();
  });

  it('needs only its share of the volume when several fetchers share the host', async () => {
    const b = breakers();
    b.setReplicas(2);
    for (let i = 0; i < 2; i++) await b.call('a.example', answer('failure'), judged);
    expect(stateOf(b, 'a.example')).toBe('open');
    b.close();
  });
});

describe('the breaker policy: it judges the host, not a few URLs', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('never opens for a host where 5 % of URLs fail once, nor at a tail made only of their retries', async () => {
    const b = breakers();
    const failingOnce = (i: number) => i % 20 === 0;
    // 2,000 URLs, first attempts, 50 a second, as a busy host sees them.
    for (let i = 0; i < 2_000; i++) {
      await attempt(
        b,
        'a.example',
        failingOnce(i) ? { kind: 'response', status: 500 } : { kind: 'response', status: 200 },
        1,
      );
      expect(stateOf(b, 'a.example')).toBe('closed');
      if (i % 50 === 49) await vi.advanceTimersByTimeAsync(1_000);
    }
    // The tail: only retries of those URLs, failing again (500 twice), long after the rest has left the window.
    await vi.advanceTimersByTimeAsync(20_000);
    for (let i = 0; i < 100; i++) {
      await attempt(b, 'a.example', { kind: 'response', status: 500 }, 2 + (i % 3));
      expect(stateOf(b, 'a.example')).toBe('closed');
    }
    b.close();
  });

  it('opens within the volume for a host that refuses connections, and stops calling it', async () => {
    const b = breakers();
    let requests = 0;
    const refused = async () => {
      requests++;
      return classify(
        { kind: 'error', code: 'ECONNREFUSED' },
        { attempt: 3, backoff: { baseMs: 1_000, maxMs: 60_000 } },
      );
    };
    for (let i = 0; i < 50; i++) {
      await b
        .call('a.example', refused, (v) => judgeHost(v, 3))
        .catch((e: unknown) => {
          expect(e).toBeInstanceOf(CircuitOpenError);
        });
    }
    // Retries or not, an unreachable host is the host's failure.
    expect(requests).toBe(4);
    expect(stateOf(b, 'a.example')).toBe('open');
    b.close();
  });

  it('opens for a host answering 5xx to fresh URLs', async () => {
    const b = breakers();
    for (let i = 0; i < 4; i++) await attempt(b, 'a.example', { kind: 'response', status: 503 }, 1);
    expect(stateOf(b, 'a.example')).toBe('open');
    b.close();
  });

  it('counts a 429 as an answer: the host is up, only slowing down', async () => {
    const b = breakers();
    for (let i = 0; i < 20; i++)
      await attempt(b, 'a.example', { kind: 'response', status: 429, retryAfterMs: 1_000 }, 1);
    expect(stateOf(b, 'a.example')).toBe('closed');
    b.close();
  });
});
