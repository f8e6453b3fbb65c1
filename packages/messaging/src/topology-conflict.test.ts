import { describe, expect, it } from 'vitest';
import { topologyConflictOf } from './topology-conflict.ts';

const refused = (detail: string) =>
  Object.assign(
    new Error(
      `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${detail}"`,
    ),
    {
      code: 406,
    },
  );

describe('topologyConflictOf', () => {
  it.each([
    [
      "inequivalent arg 'x-delivery-limit' for queue 'p.fetch.jobs' in vhost '/': received '5' but current is '50'",
      'QUEUE_DELIVERY_LIMIT',
    ],
    [
      "inequivalent arg 'x-max-length' for queue 'fetch.jobs' in vhost '/': received '100000' but current is '10'",
      'QUEUE_MAX_LENGTH',
    ],
  ])('names the setting behind the refused argument: %s', (detail, setting) => {
    const explained = topologyConflictOf(refused(detail));
    expect(explained).toContain(detail);
    expect(explained).toContain(`set ${setting} to what the queue was declared with`);
  });

  it('explains an argument no setting produces, and ignores every other error', () => {
    expect(topologyConflictOf(refused("inequivalent arg 'x-queue-type' for queue 'q'"))).toMatch(
      /delete the queue$/,
    );
    expect(topologyConflictOf(new Error('connect ECONNREFUSED'))).toBeUndefined();
    expect(topologyConflictOf(Object.assign(new Error('NOT_FOUND'), { code: 404 }))).toBeUndefined();
  });
});
