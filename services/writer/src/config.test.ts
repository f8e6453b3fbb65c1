import { loadConfig } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { prefetchForBatchSize, writerSettings } from './config.ts';

describe('writer settings', () => {
  it('has defaults that need no environment', () => {
    const config = loadConfig(writerSettings, {});
    expect(config).toMatchObject({
      mongoDb: 'tributary',
      documentsCollection: 'documents',
      sourcesCollection: 'sources',
      batchSize: 500,
      batchMaxMs: 200,
      writeConcern: 'majority',
      prefetch: 0,
      opsPerCommand: 0,
    });
    expect(prefetchForBatchSize(config)).toBe(1_000);
  });

  it('reads the write concern as majority or a member count', () => {
    expect(loadConfig(writerSettings, { WRITE_CONCERN: '1' }).writeConcern).toBe(1);
    expect(loadConfig(writerSettings, { WRITE_CONCERN: ' majority ' }).writeConcern).toBe('majority');
    expect(() => loadConfig(writerSettings, { WRITE_CONCERN: '0' })).toThrow(
      'WRITE_CONCERN must be majority or an integer 1..50, got "0"',
    );
  });

  it('names every bad variable, and never echoes the MongoDB URL', () => {
    expect(() => loadConfig(writerSettings, { WRITE_BATCH_SIZE: 'lots', WRITE_BATCH_MAX_MS: '-1' })).toThrow(
      /WRITE_BATCH_SIZE must be an integer 1\.\.100000, got "lots"[\s\S]*WRITE_BATCH_MAX_MS must be an integer 0\.\.600000, got "-1"/,
    );
    const secret = () => loadConfig(writerSettings, { MONGO_URL: 'postgres://writer:hunter2@db' });
    expect(secret).toThrow('MONGO_URL must be a mongodb:// or mongodb+srv:// URL, got "<redacted>"');
    expect(secret).not.toThrow(/hunter2/);
  });

  it('takes an explicit prefetch as it is', () => {
    expect(prefetchForBatchSize({ prefetch: 64, batchSize: 500 })).toBe(64);
  });
});
