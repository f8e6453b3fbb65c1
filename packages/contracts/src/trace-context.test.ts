import { describe, expect, it } from 'vitest';
import { childTraceparent, newTraceparent, traceIdOf } from './trace-context.ts';

const FORMAT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe('trace context', () => {
  it('makes valid, distinct traceparents', () => {
    const many = Array.from({ length: 2_000 }, () => newTraceparent());
    for (const tp of many) expect(tp).toMatch(FORMAT);
    expect(new Set(many).size).toBe(many.length);
  });

  it('keeps the trace id and flags in a child, with a new span id', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const child = childTraceparent(parent);
    expect(traceIdOf(child)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(child).toMatch(FORMAT);
    expect(child).not.toBe(parent);
  });

  it('starts a new trace when the parent is missing or malformed', () => {
    expect(childTraceparent(undefined)).toMatch(FORMAT);
    expect(childTraceparent('garbage')).toMatch(FORMAT);
    expect(traceIdOf('garbage')).toBeUndefined();
  });
});
