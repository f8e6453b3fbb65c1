import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BreakerState, CircuitBreakers } from './circuit-breakers.ts';
import { CircuitOpenError } from './errors.ts';

const failing = (result: { ok: boolean }) => !result.ok;

function breakers(transitions: [string, BreakerState][] = [], maxHosts = 10) {
  return new CircuitBreakers({
    errorThresholdPercentage: 50,
    volumeThreshold: 4,
    resetTimeoutMs: 150,
    rollingWindowMs: 10_000,
    maxHosts,
    onTransition: (host, to) => transitions.push([host, to]),
  });
}

/** The state of a host's breaker, as the metrics read it; a host without a breaker is closed. */
function stateOf(b: CircuitBreakers, host: string): BreakerState {
  return new Map(b.states()).get(host) ?? 'closed';
}

describe('CircuitBreakers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after repeated counted failures, refuses without calling, then a half-open probe closes it', async () => {
    const transitions: [string, BreakerState][] = [];
    const b = breakers(transitions);
    let calls = 0;
    const fail = async () => {
      calls++;
      return { ok: false };
    };
    for (let i = 0; i < 4; i++) expect(await b.call('a.example', fail, failing)).toEqual({ ok: false });
    expect(stateOf(b, 'a.example')).toBe('open');
    expect(b.isOpen('a.example')).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    const refused = await b.call('a.example', fail, failing).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ reason: 'circuit-open', retryable: true, retryAfterMs: 100 });
    expect(b.retryAfterMs('a.example')).toBe(100);
    expect(calls).toBe(4);
    // Other hosts are not affected.
    expect(await b.call('b.example', async () => ({ ok: true }), failing)).toEqual({ ok: true });

    await vi.advanceTimersByTimeAsync(99);
    expect(stateOf(b, 'a.example')).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(stateOf(b, 'a.example')).toBe('half-open');
    expect(await b.call('a.example', async () => ({ ok: true }), failing)).toEqual({ ok: true });
    expect(stateOf(b, 'a.example')).toBe('closed');
    expect(transitions).toEqual([
      ['a.example', 'open'],
      ['a.example', 'half-open'],
      ['a.example', 'closed'],
    ]);
    b.close();
  });

  it('lets one probe through while half-open; a failing probe opens it again', async () => {
    const b = breakers();
    for (let i = 0; i < 4; i++) await b.call('a.example', async () => ({ ok: false }), failing);
    await vi.advanceTimersByTimeAsync(150);
    let release: () => void = () => {};
    const probe = b.call(
      'a.example',
      () => new Promise<{ ok: boolean }>((resolve) => (release = () => resolve({ ok: false }))),
      failing,
    );
    await expect(b.call('a.example', async () => ({ ok: true }), failing)).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    release();
    await probe;
    expect(stateOf(b, 'a.example')).toBe('open');
    b.close();
  });

  it('does not count results the caller says are not failures (a 404 is an answer)', async () => {
    const b = breakers();
    for (let i = 0; i < 10; i++) await b.call('a.example', async () => ({ ok: true, status: 404 }), failing);
    expect(stateOf(b, 'a.example')).toBe('closed');
    b.close();
  });

  it('keeps at most maxHosts breakers', async () => {
    const b = breakers([], 2);
    for (const host of ['a', 'b', 'c', 'd']) await b.call(host, async () => ({ ok: true }), failing);
    expect([...b.states()].map(([host]) => host).sort()).toEqual(['c', 'd']);
    b.close();
  });
});
