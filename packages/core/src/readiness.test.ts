import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.ts';

describe('Readiness', () => {
  it('is not ready with no check registered, even once started', () => {
    const readiness = new Readiness();
    readiness.markStarted();
    expect(readiness.report()).toEqual({
      ready: false,
      checks: { checks: { ready: false, detail: 'no readiness check registered' } },
    });
  });

  it('is not ready until started, then follows every check', () => {
    const readiness = new Readiness();
    let brokerUp = true;
    readiness.addReadinessCheck('broker', () => ({
      ready: brokerUp,
      detail: brokerUp ? 'connected' : 'down',
    }));
    readiness.addReadinessCheck('database', () => true);
    expect(readiness.report()).toMatchObject({ ready: false, checks: { started: { ready: false } } });
    readiness.markStarted();
    expect(readiness.report().ready).toBe(true);
    brokerUp = false;
    expect(readiness.report()).toEqual({
      ready: false,
      checks: { broker: { ready: false, detail: 'down' }, database: { ready: true } },
    });
  });

  it('counts a check that throws as not ready, with its message', () => {
    const readiness = new Readiness();
    readiness.addReadinessCheck('flaky', () => {
      throw new Error('no answer');
    });
    readiness.markStarted();
    expect(readiness.report()).toEqual({
      ready: false,
      checks: { flaky: { ready: false, detail: 'no answer' } },
    });
  });
});
