import { sleep } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { type BreakerState, CircuitBreakers, CircuitOpenError } from './circuit-breakers.ts';

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

describe('CircuitBreakers', () => {
  it('opens after repeated counted failures, refuses without calling, then a half-open probe closes it', async () => {
    const transitions: [string, BreakerState][] = [];
    const b = breakers(transitions);
    let calls = 0;
    const fail = async () => {
      calls++;
      return { ok: false };
    };
    for (let i = 0; i < 4; i++) expect(await b.call('a.example', fail, failing)).toEqual({ ok: false });
    expect(b.state('a.example')).toBe('open');
    expect(b.isOpen('a.example')).toBe(true);
    const refused = b.call('a.example', fail, failing);
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    const retryInMs = await refused.catch((e: CircuitOpenError) => e.retryInMs);
    expect(retryInMs).toBeGreaterThan(0);
    expect(retryInMs).toBeLessThanOrEqual(150);
    expect(calls).toBe(4);
    // Other hosts are not affected.
    expect(await b.call('b.example', async () => ({ ok: true }), failing)).toEqual({ ok: true });

    await sleep(200);
    expect(b.state('a.example')).toBe('half-open');
    expect(await b.call('a.example', async () => ({ ok: true }), failing)).toEqual({ ok: true });
    expect(b.state('a.example')).toBe('closed');
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
    await sleep(200);
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
    expect(b.state('a.example')).toBe('open');
    b.close();
  });

  it('does not count results the caller says are not failures (a 404 is an answer)', async () => {
    const b = breakers();
    for (let i = 0; i < 10; i++) await b.call('a.example', async () => ({ ok: true, status: 404 }), failing);
    expect(b.state('a.example')).toBe('closed');
    b.close();
  });

  it('keeps at most maxHosts breakers', async () => {
    const b = breakers([], 2);
    for (const host of ['a', 'b', 'c', 'd']) await b.call(host, async () => ({ ok: true }), failing);
    expect([...b.states()].map(([host]) => host).sort()).toEqual(['c', 'd']);
    b.close();
  });
});
