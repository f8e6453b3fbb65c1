import { ConfigError, loadConfig } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  restartPolicyOf,
  transformConfigOf,
  transformerRules,
  transformerSettings,
  workerCountOf,
} from './config.ts';

const defaults = loadConfig(transformerSettings, {});

describe('transformer config', () => {
  it('defaults to 512-token chunks up to 640, 64 overlapping, and the whole JSON record', () => {
    expect(transformConfigOf(defaults)).toEqual({
      chunking: { targetTokens: 512, maxTokens: 640, overlapTokens: 64 },
    });
  });

  it('passes the JSON field list and an explicit bound on', () => {
    const config = loadConfig(transformerSettings, {
      TRANSFORM_JSON_FIELDS: 'title, body.text',
      TRANSFORM_TARGET_TOKENS: '300',
      TRANSFORM_MAX_TOKENS: '300',
      TRANSFORM_OVERLAP_TOKENS: '0',
    });
    expect(transformConfigOf(config)).toEqual({
      chunking: { targetTokens: 300, maxTokens: 300, overlapTokens: 0 },
      jsonFields: ['title', 'body.text'],
    });
  });

  it('names the variables when chunking options contradict each other', () => {
    const load = () =>
      loadConfig(
        transformerSettings,
        { TRANSFORM_TARGET_TOKENS: '100', TRANSFORM_MAX_TOKENS: '50', TRANSFORM_OVERLAP_TOKENS: '100' },
        transformerRules,
      );
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /TRANSFORM_MAX_TOKENS must be 0 or at least TRANSFORM_TARGET_TOKENS \(100\), got "50"[\s\S]*TRANSFORM_OVERLAP_TOKENS must be below TRANSFORM_TARGET_TOKENS \(100\), got "100"/,
    );
  });

  it.each([
    [{ TRANSFORM_MAX_TOKENS: '0', TRANSFORM_TARGET_TOKENS: '100' }, undefined],
    [{ TRANSFORM_MAX_TOKENS: '100', TRANSFORM_TARGET_TOKENS: '100' }, undefined],
    [{ TRANSFORM_OVERLAP_TOKENS: '99', TRANSFORM_TARGET_TOKENS: '100' }, undefined],
    [
      { TRANSFORM_OVERLAP_TOKENS: '512' },
      'TRANSFORM_OVERLAP_TOKENS must be below TRANSFORM_TARGET_TOKENS (512), got "512"',
    ],
    [
      { TRANSFORM_BACKOFF_BASE_MS: '500', TRANSFORM_BACKOFF_MAX_MS: '499' },
      'TRANSFORM_BACKOFF_MAX_MS must be at least TRANSFORM_BACKOFF_BASE_MS (500), got "499"',
    ],
    [{ TRANSFORM_BACKOFF_BASE_MS: '500', TRANSFORM_BACKOFF_MAX_MS: '500' }, undefined],
    [
      { TRANSFORM_RESTART_BASE_MS: '500', TRANSFORM_RESTART_MAX_MS: '100' },
      'TRANSFORM_RESTART_MAX_MS must be at least TRANSFORM_RESTART_BASE_MS (500), got "100"',
    ],
  ])('checks the rule across %o', (env, problem) => {
    const load = () => loadConfig(transformerSettings, env, transformerRules);
    if (problem === undefined) expect(load).not.toThrow();
    else expect(load).toThrow(problem);
  });

  it('runs one worker per CPU unless told otherwise', () => {
    expect(workerCountOf({ workers: 0 }, 8)).toBe(8);
    expect(workerCountOf({ workers: 3 }, 8)).toBe(3);
    expect(workerCountOf({ workers: 0 }, 0)).toBe(1);
  });

  it('takes the restart policy from the variables', () => {
    expect(
      restartPolicyOf({
        restartBaseMs: 500,
        restartMaxMs: 800,
        crashLoopRestarts: 5,
        crashLoopWindowMs: 60_000,
      }),
    ).toEqual({ baseDelayMs: 500, maxDelayMs: 800, crashLoopRestarts: 5, windowMs: 60_000 });
  });
});
