import { ConfigError, loadConfig } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { restartPolicyOf, transformConfigOf, transformerSettings, workerCountOf } from './config.ts';

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
    const config = loadConfig(transformerSettings, {
      TRANSFORM_TARGET_TOKENS: '100',
      TRANSFORM_MAX_TOKENS: '50',
      TRANSFORM_OVERLAP_TOKENS: '100',
    });
    expect(() => transformConfigOf(config)).toThrow(ConfigError);
    expect(() => transformConfigOf(config)).toThrow(
      /TRANSFORM_MAX_TOKENS must be 0 or at least TRANSFORM_TARGET_TOKENS \(100\), got "50"[\s\S]*TRANSFORM_OVERLAP_TOKENS must be below TRANSFORM_TARGET_TOKENS \(100\), got "100"/,
    );
  });

  it('runs one worker per CPU unless told otherwise', () => {
    expect(workerCountOf({ workers: 0 }, 8)).toBe(8);
    expect(workerCountOf({ workers: 3 }, 8)).toBe(3);
    expect(workerCountOf({ workers: 0 }, 0)).toBe(1);
  });

  it('never lets the restart delay ceiling fall below its base', () => {
    expect(
      restartPolicyOf({
        restartBaseMs: 500,
        restartMaxMs: 100,
        crashLoopRestarts: 5,
        crashLoopWindowMs: 60_000,
      }),
    ).toEqual({ baseDelayMs: 500, maxDelayMs: 500, crashLoopRestarts: 5, windowMs: 60_000 });
  });
});
