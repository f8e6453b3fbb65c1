import { describe, expect, it } from 'vitest';
import { UnexpectedDocumentError } from './errors.ts';
import { parseJsonPage } from './json-pages.ts';

const BASE = 'https://api.example/v1/articles?page=2';

describe('parseJsonPage', () => {
  it('reads items and next at the default paths, resolving relative URLs', () => {
    const body = JSON.stringify({
      items: [{ url: 'https://api.example/a/1' }, { url: '/a/2' }],
      next: '/v1/articles?page=3',
    });
    expect(parseJsonPage(body, BASE)).toEqual({
      items: ['https://api.example/a/1', 'https://api.example/a/2'],
      skipped: 0,
      next: 'https://api.example/v1/articles?page=3',
    });
  });

  it('reads nested paths given as options', () => {
    const body = JSON.stringify({
      data: { results: [{ links: { self: 'https://api.example/x' } }] },
      links: { next: 'https://api.example/v1/articles?cursor=abc' },
    });
    expect(
      parseJsonPage(body, BASE, {
        itemsPath: 'data.results',
        itemUrlPath: 'links.self',
        nextPath: 'links.next',
      }),
    ).toEqual({
      items: ['https://api.example/x'],
      skipped: 0,
      next: 'https://api.example/v1/articles?cursor=abc',
    });
  });

  it('reads items that are URLs themselves with an empty itemUrlPath, and a root array with an empty itemsPath', () => {
    const body = JSON.stringify(['/a', '/b']);
    expect(parseJsonPage(body, BASE, { itemsPath: '', itemUrlPath: '' })).toEqual({
      items: ['https://api.example/a', 'https://api.example/b'],
      skipped: 0,
    });
  });

  it('skips and counts items without a usable URL', () => {
    const body = JSON.stringify({
      items: [
        { url: '/ok' },
        { id: 7 },
        { url: 42 },
        { url: 'mailto:x@api.example' },
        { url: ' ' },
        null,
        'plain',
      ],
    });
    expect(parseJsonPage(body, BASE)).toEqual({ items: ['https://api.example/ok'], skipped: 6 });
  });

  it.each([
    ['null', { items: [], next: null }],
    ['absent', { items: [] }],
    ['empty', { items: [], next: '' }],
  ])('has no next page when next is %s', (_what, document) => {
    const page = parseJsonPage(JSON.stringify(document), BASE);
    expect(page).toEqual({ items: [], skipped: 0 });
    expect('next' in page).toBe(false);
  });

  it('throws naming the items path when nothing is there', () => {
    const body = JSON.stringify({ data: { rows: [] } });
    expect(() => parseJsonPage(body, BASE, { itemsPath: 'data.items' })).toThrow(UnexpectedDocumentError);
    expect(() => parseJsonPage(body, BASE, { itemsPath: 'data.items' })).toThrow(
      'has nothing at items path "data.items"',
    );
  });

  it('throws when the items path holds something other than an array', () => {
    expect(() => parseJsonPage('{"items":{"url":"/a"}}', BASE)).toThrow(
      'has an object at items path "items", expected an array',
    );
  });

  it('throws when next is a cursor number rather than a URL', () => {
    expect(() => parseJsonPage('{"items":[],"next":3}', BASE)).toThrow(
      'has a number at next path "next", expected a URL or null',
    );
  });

  it('throws UnexpectedDocumentError, not retryable, for a body that is not JSON', () => {
    let thrown: unknown;
    try {
      parseJsonPage('<html>oops</html>', BASE);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UnexpectedDocumentError);
    expect(thrown).toMatchObject({ reason: 'unexpected-document', retryable: false });
    expect((thrown as Error).message).toBe(
      'JSON page from https://api.example/v1/articles?page=2 is not valid JSON',
    );
  });
});
