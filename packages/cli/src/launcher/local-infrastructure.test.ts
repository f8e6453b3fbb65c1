import { describe, expect, it } from 'vitest';
import { endpointEnv, endpointsFromEnv, parseExportLines } from './local-infrastructure.ts';

describe('parseExportLines', () => {
  it('reads the variables of what infra/local/env.sh prints', () => {
    const printed = [
      'export AMQP_URL=amqp://guest:guest@127.0.0.1:5673',
      'export MONGO_URL=mongodb://127.0.0.1:27018/',
      "export RABBITMQ_MANAGEMENT_URL='http://guest:guest@127.0.0.1:15673'",
      '',
      'not an export line',
    ].join('\n');
    expect(parseExportLines(printed)).toEqual({
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5673',
      MONGO_URL: 'mongodb://127.0.0.1:27018/',
      RABBITMQ_MANAGEMENT_URL: 'http://guest:guest@127.0.0.1:15673',
    });
  });
});

describe('endpointsFromEnv', () => {
  it('uses the servers of AMQP_URL and MONGO_URL when both are set', () => {
    expect(endpointsFromEnv({ AMQP_URL: 'amqp://h/v', MONGO_URL: 'mongodb://h/' })).toEqual({
      amqpUrl: 'amqp://h/v',
      mongoUrl: 'mongodb://h/',
      managementUrl: undefined,
      source: 'environment',
    });
  });

  it('starts infrastructure when neither is set (or they are blank)', () => {
    expect(endpointsFromEnv({})).toBeUndefined();
    expect(endpointsFromEnv({ AMQP_URL: ' ', MONGO_URL: '' })).toBeUndefined();
  });

  it('refuses one without the other, naming both', () => {
    expect(() => endpointsFromEnv({ AMQP_URL: 'amqp://h' })).toThrow(/AMQP_URL is set but MONGO_URL is not/);
    expect(() => endpointsFromEnv({ MONGO_URL: 'mongodb://h' })).toThrow(
      /MONGO_URL is set but AMQP_URL is not/,
    );
  });
});

describe('endpointEnv', () => {
  it('gives the variables a client needs, the management URL only when known', () => {
    expect(
      endpointEnv({ amqpUrl: 'a', mongoUrl: 'm', managementUrl: undefined, source: 'environment' }),
    ).toEqual({
      AMQP_URL: 'a',
      MONGO_URL: 'm',
    });
    expect(endpointEnv({ amqpUrl: 'a', mongoUrl: 'm', managementUrl: 'h', source: 'infra-local' })).toEqual({
      AMQP_URL: 'a',
      MONGO_URL: 'm',
      RABBITMQ_MANAGEMENT_URL: 'h',
    });
  });
});
