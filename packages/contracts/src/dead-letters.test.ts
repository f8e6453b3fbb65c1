import { describe, expect, it } from 'vitest';
import { deadLetterJob, deadLetterReason, deadLetterStage } from './dead-letters.ts';
import { jobIdFor } from './ids.ts';

describe('dead letters', () => {
  it.each([
    [{ 'x-error-reason': 'http-4xx' }, 'http-4xx'],
    [{ 'x-error-reason': Buffer.from('corrupted-response') }, 'corrupted-response'],
    [{ 'x-death': [{ reason: 'delivery_limit', count: 1 }] }, 'delivery-limit'],
    [{ 'x-error-reason': 'invalid-message', 'x-death': [{ reason: 'rejected' }] }, 'invalid-message'],
    [{}, 'unknown'],
  ])('reads the reason of %o as %s', (headers, reason) => {
    expect(deadLetterReason(headers)).toBe(reason);
  });

  it('takes the failed stage from its header, else from the routing key, and nothing that is not a stage', () => {
    expect(deadLetterStage({ 'x-failed-stage': 'transform' }, 'fetch')).toBe('transform');
    expect(deadLetterStage({}, 'store')).toBe('store');
    expect(deadLetterStage({}, 'elsewhere')).toBeUndefined();
  });

  it("finds the job and batch in each stage's message", () => {
    expect(deadLetterJob('fetch', { id: 'j1', url: 'http://a.test/', batch: 'b' })).toEqual({
      jobId: 'j1',
      batch: 'b',
    });
    expect(deadLetterJob('fetch', { url: 'http://a.test/x', batch: 'b' })).toEqual({
      jobId: jobIdFor({ url: 'http://a.test/x' }),
      batch: 'b',
    });
    expect(deadLetterJob('transform', { jobId: 'j2', batch: 'b' })).toEqual({ jobId: 'j2', batch: 'b' });
    expect(deadLetterJob('store', { kind: 'documents', source: { jobId: 'j3', batch: 'b' } })).toEqual({
      jobId: 'j3',
      batch: 'b',
    });
  });

  it('names no job when the message has no batch, or cannot name its job', () => {
    expect(deadLetterJob('fetch', { id: 'j1', url: 'http://a.test/' })).toBeUndefined();
    expect(deadLetterJob('fetch', { url: 'not a url', batch: 'b' })).toBeUndefined();
    expect(deadLetterJob('transform', 'not json')).toBeUndefined();
  });
});
