import { describe, expect, it, vi } from 'vitest';
import { describeConfig, loadConfig, notBelow, setting } from './config.ts';
import { ConfigError } from './errors.ts';

const spec = {
  concurrency: setting.int('FETCH_CONCURRENCY', {
    default: 100,
    min: 1,
    max: 10_000,
    description: 'parallel requests',
  }),
  ratio: setting.number('SAMPLE_RATIO', { default: 0.5, min: 0, max: 1, description: 'a fraction' }),
  urls: setting.urls('AMQP_URL', ['amqp', 'amqps'], {
    default: ['amqp://localhost'],
    description: 'brokers',
  }),
  mode: setting.oneOf('MODE', ['fast', 'safe'], { default: 'safe', description: 'mode' }),
  verbose: setting.bool('VERBOSE', { default: false, description: 'chatty' }),
  hosts: setting.list('ALLOW_HOSTS', { default: [], description: 'hosts' }),
  token: setting.string('API_TOKEN', { nonEmpty: true, secret: true, description: 'token' }),
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(spec, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults and parses given values', () => {
    const config = loadConfig(spec, {
      API_TOKEN: 's3cret',
      FETCH_CONCURRENCY: ' 250 ',
      AMQP_URL: 'amqp://a:5672, amqps://b:5671',
      VERBOSE: 'yes',
      ALLOW_HOSTS: 'a.example, ,b.example',
    });
    expect(config).toEqual({
      concurrency: 250,
      ratio: 0.5,
      urls: ['amqp://a:5672', 'amqps://b:5671'],
      mode: 'safe',
      verbose: true,
      hosts: ['a.example', 'b.example'],
      token: 's3cret',
    });
  });

  it.each([
    ['FETCH_CONCURRENCY', 'abc', 'FETCH_CONCURRENCY must be an integer 1..10000, got "abc"'],
    ['FETCH_CONCURRENCY', '0', 'FETCH_CONCURRENCY must be an integer 1..10000, got "0"'],
    ['FETCH_CONCURRENCY', '2.5', 'FETCH_CONCURRENCY must be an integer 1..10000, got "2.5"'],
    ['SAMPLE_RATIO', '1.5', 'SAMPLE_RATIO must be a number 0..1, got "1.5"'],
    ['AMQP_URL', 'http://x', 'AMQP_URL must be a comma-separated list of amqp/amqps URLs, got "http://x"'],
    ['MODE', 'turbo', 'MODE must be one of fast, safe, got "turbo"'],
    ['VERBOSE', 'maybe', 'VERBOSE must be true or false, got "maybe"'],
  ])('names %s=%s in the message', (name, value, message) => {
    expect(problemsOf({ API_TOKEN: 't', [name]: value })).toEqual([message]);
  });

  it('reports a missing required variable and every problem at once', () => {
    expect(problemsOf({ FETCH_CONCURRENCY: 'x', MODE: 'y' })).toEqual([
      'FETCH_CONCURRENCY must be an integer 1..10000, got "x"',
      'MODE must be one of fast, safe, got "y"',
      'API_TOKEN is required: expected a non-empty string (token)',
    ]);
  });

  it('parses integer lists and names a bad item', () => {
    const listSpec = {
      buckets: setting.intList('DELAYS_MS', { default: [1_000], min: 1, max: 60_000, description: 'delays' }),
    };
    expect(loadConfig(listSpec, { DELAYS_MS: '200, 1000,' }).buckets).toEqual([200, 1_000]);
    expect(loadConfig(listSpec, {}).buckets).toEqual([1_000]);
    expect(() => loadConfig(listSpec, { DELAYS_MS: '200,soon' })).toThrow(
      'DELAYS_MS must be a comma-separated list of integers 1..60000, got "200,soon"',
    );
  });

  it('never echoes a secret back', () => {
    const secretSpec = { password: setting.int('DB_PASSWORD_PIN', { secret: true, description: 'pin' }) };
    expect(() => loadConfig(secretSpec, { DB_PASSWORD_PIN: 'hunter2' })).toThrow(
      'DB_PASSWORD_PIN must be an integer, got "<redacted>"',
    );
  });

  it('describes every variable for the README table', () => {
    const rows = describeConfig(spec);
    expect(rows.map((r) => r.env)).toEqual([
      'FETCH_CONCURRENCY',
      'SAMPLE_RATIO',
      'AMQP_URL',
      'MODE',
      'VERBOSE',
      'ALLOW_HOSTS',
      'API_TOKEN',
    ]);
    expect(rows[0]).toEqual({
      env: 'FETCH_CONCURRENCY',
      default: '100',
      expected: 'an integer 1..10000',
      description: 'parallel requests',
    });
    expect(rows[6]?.default).toBe('(required)');
  });
});

describe('rules across settings', () => {
  const delays = {
    baseMs: setting.int('RETRY_BASE_MS', { default: 100, min: 0, description: 'base' }),
    maxMs: setting.int('RETRY_MAX_MS', { default: 1_000, min: 0, description: 'ceiling; 0 derives it' }),
  };
  const rules = [notBelow(delays, 'maxMs', 'baseMs', { unlessZero: true })];

  it.each([
    [{ RETRY_BASE_MS: '100', RETRY_MAX_MS: '100' }, []],
    [{ RETRY_BASE_MS: '100', RETRY_MAX_MS: '0' }, []],
    [
      { RETRY_BASE_MS: '100', RETRY_MAX_MS: '99' },
      ['RETRY_MAX_MS must be 0 or at least RETRY_BASE_MS (100), got "99"'],
    ],
  ])('checks %o', (env, expected) => {
    let problems: readonly string[] = [];
    try {
      loadConfig(delays, env, rules);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems).toEqual(expected);
  });

  it('runs only once every single setting is valid, so a rule never reads an unparsed value', () => {
    const rule = vi.fn(() => 'never');
    expect(() => loadConfig(delays, { RETRY_BASE_MS: 'x' }, [rule])).toThrow(
      'RETRY_BASE_MS must be an integer 0..…, got "x"',
    );
    expect(rule).not.toHaveBeenCalled();
    expect(() => loadConfig(delays, {}, [rule])).toThrow('never');
  });

  it('without unlessZero, 0 is no exception', () => {
    expect(() => loadConfig(delays, { RETRY_MAX_MS: '0' }, [notBelow(delays, 'maxMs', 'baseMs')])).toThrow(
      'RETRY_MAX_MS must be at least RETRY_BASE_MS (100), got "0"',
    );
  });
});
