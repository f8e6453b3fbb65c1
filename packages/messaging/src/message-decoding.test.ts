import { FetchJobSchema, jobIdFor } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { decodeMessage, readAttempt } from './message-decoding.ts';

describe('decodeMessage', () => {
  it('accepts a valid job', () => {
    const got = decodeMessage(Buffer.from('{"id":"j1","url":"https://example.com/x"}'), FetchJobSchema);
    expect(got).toEqual({ ok: true, value: { id: 'j1', url: 'https://example.com/x' } });
  });

  it('derives the id of a job that has none from its request, as jobIdFor does', () => {
    const bare = decodeMessage(Buffer.from('{"url":"https://Example.com:443/x?b=2&a=1"}'), FetchJobSchema);
    expect(bare).toEqual({
      ok: true,
      value: {
        id: jobIdFor({ url: 'https://example.com/x?a=1&b=2' }),
        url: 'https://Example.com:443/x?b=2&a=1',
      },
    });
    const post = decodeMessage(
      Buffer.from('{"url":"https://example.com/x","method":"POST","body":"{}"}'),
      FetchJobSchema,
    );
    expect(post.ok && post.value.id).toBe(
      jobIdFor({ url: 'https://example.com/x', method: 'POST', body: '{}' }),
    );
    expect(post.ok && post.value.id).not.toBe(bare.ok && bare.value.id);
  });

  it('keeps an id the job was given', () => {
    const got = decodeMessage(Buffer.from('{"id":"mine","url":"https://example.com/x"}'), FetchJobSchema);
    expect(got.ok && got.value.id).toBe('mine');
  });

  it('says when the body is not JSON', () => {
    const got = decodeMessage(Buffer.from('{nope'), FetchJobSchema);
    expect(got.ok).toBe(false);
    expect(!got.ok && got.error).toMatch(/^body is not JSON/);
  });

  it('names the field that fails the schema', () => {
    const got = decodeMessage(Buffer.from('{"id":"j1","url":"ftp://example.com/x"}'), FetchJobSchema);
    expect(!got.ok && got.error).toMatch(/url:/);
  });
});

describe('readAttempt', () => {
  it.each([
    [{}, 1],
    [{ 'x-attempt': 3 }, 3],
    [{ 'x-attempt': '4' }, 4],
    [{ 'x-attempt': 0 }, 1],
    [{ 'x-attempt': 'abc' }, 1],
  ])('reads %o as attempt %i', (headers, expected) => {
    expect(readAttempt(headers)).toBe(expected);
  });
});
