import { describe, expect, it } from 'vitest';
import { planProcesses, stopOrder } from './process-plan.ts';

const defaults = {
  fetchers: 1,
  transformers: 1,
  writers: 1,
  demoApi: true,
  demoPort: 8080,
  httpPortBase: 9464,
};

describe('planProcesses', () => {
  it('runs the demo API and one process per stage, the services on consecutive ports from 9464', () => {
    expect(planProcesses(defaults)).toEqual([
      { name: 'demo-api', service: 'demo-api', port: 8080, readyPath: '/healthz' },
      { name: 'fetcher-1', service: 'fetcher', port: 9464, readyPath: '/readyz' },
      { name: 'transformer-1', service: 'transformer', port: 9465, readyPath: '/readyz' },
      { name: 'writer-1', service: 'writer', port: 9466, readyPath: '/readyz' },
    ]);
  });

  it('numbers replicas per stage and counts ports up in pipeline order', () => {
    const plan = planProcesses({
      ...defaults,
      fetchers: 3,
      transformers: 2,
      writers: 2,
      httpPortBase: 20_000,
    });
    expect(plan.map((spec) => `${spec.name}:${spec.port}`)).toEqual([
      'demo-api:8080',
      'fetcher-1:20000',
      'fetcher-2:20001',
      'fetcher-3:20002',
      'transformer-1:20003',
      'transformer-2:20004',
      'writer-1:20005',
      'writer-2:20006',
    ]);
  });

  it('leaves the demo API out when asked to', () => {
    expect(planProcesses({ ...defaults, demoApi: false }).map((spec) => spec.name)).toEqual([
      'fetcher-1',
      'transformer-1',
      'writer-1',
    ]);
  });

  it.each([
    [{ fetchers: 0 }, /fetcher replicas must be an integer ≥ 1, got 0/],
    [{ writers: 1.5 }, /writer replicas/],
    [{ httpPortBase: 65_534 }, /HTTP ports 65534..65536 of the 3 services must lie within 1..65535/],
    [{ httpPortBase: 0 }, /HTTP ports 0..2/],
    [{ demoPort: 9465 }, /demo API's port 9465 is one of the services' HTTP ports 9464..9466/],
    [{ demoPort: 70_000 }, /demo API's port must be 1..65535, got 70000/],
  ])('refuses %o with a message that says what is wrong', (change, message) => {
    expect(() => planProcesses({ ...defaults, ...change })).toThrow(message);
  });

  it('runs embedders between the transformers and the writers when asked, none by default', () => {
    expect(planProcesses(defaults).some((spec) => spec.service === 'embedder')).toBe(false);
    expect(planProcesses({ ...defaults, embedders: 2 }).map((spec) => `${spec.name}:${spec.port}`)).toEqual([
      'demo-api:8080',
      'fetcher-1:9464',
      'transformer-1:9465',
      'embedder-1:9466',
      'embedder-2:9467',
      'writer-1:9468',
    ]);
    expect(() => planProcesses({ ...defaults, embedders: -1 })).toThrow(
      'embedder replicas must be an integer ≥ 0',
    );
  });

  it('accepts a demo port inside the services\u2019 range when there is no demo API', () => {
    expect(() => planProcesses({ ...defaults, demoApi: false, demoPort: 9464 })).not.toThrow();
  });
});

describe('stopOrder', () => {
  it('stops fetchers first, then transformers, writers, and the demo API last', () => {
    const plan = planProcesses({ ...defaults, fetchers: 2, writers: 2 });
    expect(stopOrder(plan, (spec) => spec.service).map((group) => group.map((spec) => spec.name))).toEqual([
      ['fetcher-1', 'fetcher-2'],
      ['transformer-1'],
      ['writer-1', 'writer-2'],
      ['demo-api'],
    ]);
  });

  it('skips stages that have no process', () => {
    const plan = planProcesses({ ...defaults, demoApi: false });
    expect(stopOrder(plan, (spec) => spec.service)).toHaveLength(3);
  });
});
