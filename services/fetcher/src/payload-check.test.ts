import { describe, expect, it } from 'vitest';
import { declaresJson, payloadProblem } from './payload-check.ts';

describe('declaresJson', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON', true],
    ['application/ld+json', true],
    ['application/problem+json; charset=utf-8', true],
    ['text/json', true],
    ['text/html; charset=utf-8', false],
    ['application/jsonl', false],
    ['text/plain', false],
    [undefined, false],
  ])('%s → %s', (contentType, expected) => {
    expect(declaresJson(contentType)).toBe(expected);
  });
});

describe('payloadProblem', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it.each([
    ['valid JSON', 'application/json', '{"a":[1,2,3]}', false],
    ['a JSON scalar', 'application/json', '42', false],
    ['JSON cut in the middle', 'application/json', '{"a":[1,2', true],
    ['garbage declared as JSON', 'application/json; charset=utf-8', '{"a": nope}', true],
    ['an empty body declared as JSON', 'application/json', '', true],
    ['HTML, not checked', 'text/html', '<p>unclosed', false],
    ['no content type, not checked', undefined, '{', false],
  ])('%s', (_what, contentType, body, corrupted) => {
    expect(payloadProblem(contentType, bytes(body)) !== undefined).toBe(corrupted);
  });
});
