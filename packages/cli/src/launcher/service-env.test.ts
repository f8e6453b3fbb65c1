import { describe, expect, it } from 'vitest';
import { planProcesses } from './process-plan.ts';
import { bindHost, probeHost, type ServiceEnvContext, serviceEnv } from './service-env.ts';

const [demo, fetcher, transformer, writer] = planProcesses({
  fetchers: 1,
  transformers: 1,
  writers: 1,
  demoApi: true,
  demoPort: 8080,
  httpPortBase: 9464,
});
if (!demo || !fetcher || !transformer || !writer) throw new Error('unexpected plan');

const context: ServiceEnvContext = {
  base: { PATH: '/usr/bin', TRIBUTARY_PREFIX: 'x.', MONGO_DB: 'mine', HTTP_PORT: '1', UNSET: undefined },
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672/v',
  mongoUrl: 'mongodb://127.0.0.1:27017/',
  managementUrl: 'http://guest:guest@127.0.0.1:15672',
  demoHostPort: '127.0.0.1:8080',
  transformWorkers: undefined,
};

describe('serviceEnv', () => {
  it('passes the environment through, with the broker and database found and the process its own port', () => {
    const env = serviceEnv(writer, context);
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      TRIBUTARY_PREFIX: 'x.',
      MONGO_DB: 'mine',
      AMQP_URL: context.amqpUrl,
      MONGO_URL: context.mongoUrl,
      RABBITMQ_MANAGEMENT_URL: context.managementUrl,
      HTTP_PORT: '9466',
      HTTP_HOST: '127.0.0.1',
    });
    expect(env).not.toHaveProperty('UNSET');
  });

  it("limits every process's heap, keeping what NODE_OPTIONS already says", () => {
    expect(serviceEnv(writer, context).NODE_OPTIONS).toBe('--max-old-space-size=256 --max-semi-space-size=8');
    const base = { ...context.base, NODE_OPTIONS: '--enable-source-maps --max-old-space-size=1024' };
    expect(serviceEnv(fetcher, { ...context, base }).NODE_OPTIONS).toBe(
      '--enable-source-maps --max-old-space-size=1024 --max-semi-space-size=8',
    );
  });

  it('lets the fetchers fetch from the demo API, beside the hosts the environment allows', () => {
    expect(serviceEnv(fetcher, context).FETCH_ALLOW_HOSTS).toBe('127.0.0.1:8080');
    const base = { ...context.base, FETCH_ALLOW_HOSTS: 'a.test, 127.0.0.1:8080,b.test:81' };
    expect(serviceEnv(fetcher, { ...context, base }).FETCH_ALLOW_HOSTS).toBe(
      'a.test,127.0.0.1:8080,b.test:81',
    );
    expect(serviceEnv(fetcher, { ...context, demoHostPort: undefined })).not.toHaveProperty(
      'FETCH_ALLOW_HOSTS',
    );
  });

  it('sets TRANSFORM_WORKERS only when asked, and only for transformers', () => {
    expect(serviceEnv(transformer, context)).not.toHaveProperty('TRANSFORM_WORKERS');
    expect(serviceEnv(transformer, { ...context, transformWorkers: 3 }).TRANSFORM_WORKERS).toBe('3');
    expect(serviceEnv(writer, { ...context, transformWorkers: 3 })).not.toHaveProperty('TRANSFORM_WORKERS');
  });

  it('puts the demo API on its port, on loopback unless DEMO_HOST says otherwise', () => {
    expect(serviceEnv(demo, context)).toMatchObject({ DEMO_PORT: '8080', DEMO_HOST: '127.0.0.1' });
    const base = { ...context.base, DEMO_HOST: '0.0.0.0', HTTP_HOST: '::' };
    expect(serviceEnv(demo, { ...context, base }).DEMO_HOST).toBe('0.0.0.0');
    expect(serviceEnv(fetcher, { ...context, base }).HTTP_HOST).toBe('::');
  });

  it('hands the transformers’ chunks to the embedders only when embedders run', () => {
    expect(serviceEnv(transformer, context).EMBED_ENABLED).toBe('false');
    expect(serviceEnv(transformer, { ...context, embed: true }).EMBED_ENABLED).toBe('true');
    expect(serviceEnv(writer, { ...context, embed: true })).not.toHaveProperty('EMBED_ENABLED');
  });
});

describe('bindHost and probeHost', () => {
  it('binds where the environment says, loopback otherwise', () => {
    expect(bindHost(fetcher, {})).toBe('127.0.0.1');
    expect(bindHost(fetcher, { HTTP_HOST: '0.0.0.0', DEMO_HOST: '10.0.0.1' })).toBe('0.0.0.0');
    expect(bindHost(demo, { HTTP_HOST: '0.0.0.0', DEMO_HOST: '10.0.0.1' })).toBe('10.0.0.1');
  });

  it('probes a process bound to every address on loopback, an IPv6 address in brackets', () => {
    expect(probeHost('0.0.0.0')).toBe('127.0.0.1');
    expect(probeHost('::')).toBe('127.0.0.1');
    expect(probeHost('::1')).toBe('[::1]');
    expect(probeHost('192.0.2.7')).toBe('192.0.2.7');
  });
});
