import { describe, expect, it } from 'vitest';
import { replayHeaders, viewDeadLetter } from './dead-letter.ts';

describe('dead letters as the CLI reads them', () => {
  it('shows a dead letter of the fetch stage: id, url, reason, message, attempt, age', () => {
    const view = viewDeadLetter(
      'fetch',
      Buffer.from(JSON.stringify({ id: 'j1', url: 'https://a.test/x' })),
      {
        messageId: 'j1',
        timestamp: 1_000,
        headers: { 'x-error-reason': 'http-4xx', 'x-error-message': 'status 404', 'x-attempt': 1 },
      },
      1_060_000,
    );
    expect(view).toMatchObject({
      id: 'j1',
      url: 'https://a.test/x',
      reason: 'http-4xx',
      message: 'status 404',
      attempt: 1,
      ageSeconds: 60,
    });
  });

  it('explains a message the broker dead-lettered itself', () => {
    const view = viewDeadLetter('transform', Buffer.from('{"jobId":"j","url":"https://a.test/"}'), {
      headers: { 'x-death': [{ reason: 'delivery_limit' }] },
    });
    expect(view).toMatchObject({
      reason: 'delivery-limit',
      message: 'dead-lettered by the broker (delivery-limit)',
    });
  });

  it('replays with the attempt reset and the error and death marks gone, its trace kept', () => {
    expect(
      replayHeaders({
        traceparent: '00-abc-def-01',
        'x-attempt': 5,
        'x-deferrals': 3,
        'x-error-reason': 'http-5xx',
        'x-error-message': 'status 503',
        'x-failed-stage': 'fetch',
        'x-retry-reason': 'http-5xx',
        'x-death': [{}],
        'x-tributary-version': 1,
      }),
    ).toEqual({ traceparent: '00-abc-def-01', 'x-attempt': 1, 'x-tributary-version': 1 });
  });
});
