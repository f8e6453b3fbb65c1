import { describe, expect, it } from 'vitest';
import {
  bufferSource,
  corruptJson,
  generatedSource,
  largeHtmlSource,
  largeJsonSource,
} from './body-source.ts';

function collect(chunks: Iterable<Buffer>): { sizes: number[]; body: Buffer } {
  const parts = [...chunks];
  return { sizes: parts.map((p) => p.length), body: Buffer.concat(parts) };
}

describe('body sources', () => {
  it('cuts a buffer into chunks of at most the size asked for', () => {
    const { sizes, body } = collect(bufferSource(Buffer.from('abcdefghij')).chunks(4));
    expect(sizes).toEqual([4, 4, 2]);
    expect(body.toString()).toBe('abcdefghij');
  });

  it('generates exactly the length asked for, whatever the chunk size', () => {
    for (const length of [10, 11, 65_536, 65_547, 200_001]) {
      for (const chunk of [1_000, 65_536, 70_000]) {
        const { sizes, body } = collect(generatedSource('<', '>', length).chunks(chunk));
        expect(body.length).toBe(length);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(chunk);
        expect(body.subarray(0, 1).toString()).toBe('<');
        expect(body.subarray(-1).toString()).toBe('>');
        expect(body.subarray(1, -1).toString()).toMatch(/^[A-Za-z0-9 ,.]*$/);
      }
    }
  });

  it('generates the same bytes each time', () => {
    const a = collect(largeJsonSource('1', 300_000).chunks(65_536)).body;
    const b = collect(largeJsonSource('1', 300_000).chunks(7_000)).body;
    expect(a.equals(b)).toBe(true);
  });

  it('makes large JSON that parses and large HTML that is a page', () => {
    const json = JSON.parse(collect(largeJsonSource('7', 100_000).chunks(65_536)).body.toString());
    expect(json).toMatchObject({ id: '7', size: 100_000 });
    const html = collect(largeHtmlSource('7', 100_000).chunks(65_536)).body.toString();
    expect(html).toMatch(/^<!doctype html>[\s\S]*<title>Large page 7<\/title>[\s\S]*<\/html>\n$/);
  });

  it('refuses a length smaller than its own envelope', () => {
    expect(() => generatedSource('abc', 'def', 5)).toThrow(RangeError);
  });

  it('corrupts JSON so that no parser accepts it', () => {
    for (const text of ['{"a":"bcdefgh"}', '{"a":1,"b":[1,2,3]}', '[1,2]']) {
      expect(() => JSON.parse(corruptJson(Buffer.from(text)).toString())).toThrow(SyntaxError);
    }
  });
});
