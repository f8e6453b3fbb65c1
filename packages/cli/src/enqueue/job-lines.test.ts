import { jobIdFor } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { parseJobLine } from './job-lines.ts';

describe('parseJobLine', () => {
  it.each(['', '   ', '# a comment', '  # indented comment'])('skips %j', (text) => {
    expect(parseJobLine(text, 1, 'b')).toEqual({ kind: 'skip' });
  });

  it('reads a URL line as a GET job of the batch, its id derived', () => {
    expect(parseJobLine('  https://example.com/a?b=1  ', 3, 'b1')).toEqual({
      kind: 'job',
      job: {
        url: 'https://example.com/a?b=1',
        batch: 'b1',
        id: jobIdFor({ url: 'https://example.com/a?b=1' }),
      },
    });
  });

  it('reads a JSON line as a FetchJob, keeping its id and putting it in this batch', () => {
    const parsed = parseJobLine(
      '{"id":"mine","url":"https://example.com/","batch":"other","meta":{"k":1}}',
      1,
      'b1',
    );
    expect(parsed).toEqual({
      kind: 'job',
      job: { id: 'mine', url: 'https://example.com/', batch: 'b1', meta: { k: 1 } },
    });
  });

  it.each([
    ['not a url', 'url: Invalid URL'],
    ['ftp://example.com/x', 'url:'],
    ['{"url": 3}', 'url: Invalid input: expected string, received number'],
    ['{"url": "https://e.com/", "method": "DELETE"}', 'method:'],
    ['{nope', 'not valid JSON'],
    ['{"url": "https://e.com/"', 'not valid JSON'],
  ])('names what is wrong with %j, with its line number', (text, problem) => {
    const parsed = parseJobLine(text, 42, 'b');
    expect(parsed.kind).toBe('invalid');
    expect(parsed).toMatchObject({ line: 42 });
    expect(parsed.kind === 'invalid' && parsed.problem).toContain(problem);
  });
});
