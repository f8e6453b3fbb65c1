import { describe, expect, it } from 'vitest';
import { MalformedContentError, UnsupportedContentTypeError } from './errors.ts';
import { extractContent } from './extract-content.ts';

const url = 'https://source.example/item/1';

describe('extractContent', () => {
  it('reads HTML with the HTML extractor', () => {
    const html =
      '<html lang="en"><head><title>Page</title></head><body><nav>Menu</nav><p>Hello.</p></body></html>';
    expect(extractContent(html, { contentType: 'text/html; charset=utf-8', url })).toEqual({
      title: 'Page',
      text: 'Hello.',
      lang: 'en',
    });
  });

  it('reads JSON with the JSON extractor, with or without a field list', () => {
    const body = '{"title":"T","body":"B","views":3}';
    expect(extractContent(body, { contentType: 'application/json', url })).toEqual({
      title: 'T',
      text: 'title: T\nbody: B\nviews: 3',
    });
    expect(extractContent(body, { contentType: 'application/ld+json', url, jsonFields: ['body'] })).toEqual({
      title: 'T',
      text: 'B',
    });
  });

  it('reads Markdown with titles and plain text without', () => {
    expect(extractContent('# Title\n\nBody', { contentType: 'text/markdown', url })).toEqual({
      title: 'Title',
      text: '# Title\n\nBody',
    });
    expect(extractContent('# Title\n\nBody', { contentType: 'text/plain', url })).toEqual({
      text: '# Title\n\nBody',
    });
  });

  it('throws MalformedContentError for JSON that does not parse and UnsupportedContentTypeError for other types', () => {
    expect(() => extractContent('{oops', { contentType: 'application/json', url })).toThrow(
      MalformedContentError,
    );
    expect(() => extractContent('%PDF-1.7', { contentType: 'application/pdf', url })).toThrow(
      UnsupportedContentTypeError,
    );
  });
});
