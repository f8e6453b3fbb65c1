import { describe, expect, it } from 'vitest';
import { extractText } from './extract-text.ts';

describe('extractText', () => {
  it('returns plain text normalised, without a title', () => {
    expect(extractText('# Not a title in plain text\r\n\r\n\r\nBody  text ')).toEqual({
      text: '# Not a title in plain text\n\nBody text',
    });
  });

  it('keeps Markdown as it is (normalised) and takes the first heading as the title', () => {
    const markdown =
      'Intro line.\n\n## The *first* `heading` ##\n\nText with [a link](https://x.example).\n\n# Second';
    expect(extractText(markdown, { format: 'markdown' })).toEqual({
      title: 'The first heading',
      text: 'Intro line.\n\n## The *first* `heading` ##\n\nText with [a link](https://x.example).\n\n# Second',
    });
  });

  it('recognises setext headings', () => {
    expect(extractText('Big Title\n=========\n\nBody.', { format: 'markdown' }).title).toBe('Big Title');
    expect(extractText('Smaller [Title](/t)\n---\n\nBody.', { format: 'markdown' }).title).toBe(
      'Smaller Title',
    );
  });

  it('ignores headings inside fenced and indented code blocks and front matter', () => {
    const markdown = [
      '---',
      '# yaml comment',
      'layout: post',
      '---',
      '```bash',
      '# a shell comment',
      '```',
      '    # indented code',
      '',
      '~~~',
      'Text',
      '===',
      '~~~',
      '#hashtag is not a heading',
      '# Real Title',
    ].join('\n');
    expect(extractText(markdown, { format: 'markdown' }).title).toBe('Real Title');
  });

  it('has no title when the Markdown has no heading', () => {
    expect(extractText('Just text.\n\n- a list', { format: 'markdown' })).toEqual({
      text: 'Just text.\n\n- a list',
    });
    expect(extractText('#\n\n#   \n\nText', { format: 'markdown' }).title).toBeUndefined();
  });
});
