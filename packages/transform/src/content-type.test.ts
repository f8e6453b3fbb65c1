import { describe, expect, it } from 'vitest';
import { type ContentKind, contentKind } from './content-type.ts';
import { UnsupportedContentTypeError } from './errors.ts';

describe('contentKind', () => {
  it.each([
    ['text/html', 'html'],
    ['text/html; charset=utf-8', 'html'],
    ['  TEXT/HTML ;charset="ISO-8859-1"', 'html'],
    ['application/xhtml+xml', 'html'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['text/json', 'json'],
    ['application/ld+json', 'json'],
    ['application/vnd.api+json; ext=bulk', 'json'],
    ['application/problem+json', 'json'],
    ['text/markdown', 'markdown'],
    ['text/markdown; charset=UTF-8; variant=GFM', 'markdown'],
    ['text/x-markdown', 'markdown'],
    ['text/plain', 'text'],
    ['text/plain;charset=us-ascii', 'text'],
    ['text/csv', 'text'],
  ] satisfies [string, ContentKind][])('reads %j as %s', (contentType, kind) => {
    expect(contentKind(contentType)).toBe(kind);
  });

  it.each([
    'application/pdf',
    'image/png',
    'application/octet-stream',
    'application/xml',
    'application/x-ndjson',
    '',
    'html',
    'text/',
    '; charset=utf-8',
  ])('rejects %j with a non-retryable unsupported-content-type error', (contentType) => {
    let error: unknown;
    try {
      contentKind(contentType);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnsupportedContentTypeError);
    expect(error).toMatchObject({ reason: 'unsupported-content-type', retryable: false, contentType });
  });
});
