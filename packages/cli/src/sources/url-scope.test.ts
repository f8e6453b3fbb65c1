import { describe, expect, it } from 'vitest';
import { EXIT } from '../cli-errors.ts';
import { isUnder, outermostScopes, parseUrlPrefix } from './url-scope.ts';

describe('URL scopes', () => {
  it('takes an http(s) URL prefix as written', () => {
    expect(parseUrlPrefix('http://127.0.0.1:8080/pages/', '--url-prefix')).toBe(
      'http://127.0.0.1:8080/pages/',
    );
    expect(parseUrlPrefix('https://example.com', '--url-prefix')).toBe('https://example.com');
  });

  it.each(['127.0.0.1:8080/pages/', '/pages/', 'ftp://example.com/', 'pages', ''])(
    'refuses %j as a usage error naming the flag',
    (value) => {
      expect(() => parseUrlPrefix(value, '--url-prefix')).toThrow(
        expect.objectContaining({
          exitCode: EXIT.usage,
          message: expect.stringContaining(`--url-prefix must be an http(s) URL prefix`),
        }),
      );
    },
  );

  it('matches by string prefix, so a scope ends where its writer ended it', () => {
    expect(isUnder('http://a.test/pages/1', ['http://a.test/pages/'])).toBe(true);
    expect(isUnder('http://a.test/pages-old/1', ['http://a.test/pages/'])).toBe(false);
    expect(isUnder('http://a.test/pages-old/1', ['http://a.test/pages'])).toBe(true);
    expect(isUnder('http://a.test/x', [])).toBe(false);
  });

  it('keeps only the outermost of nested scopes, each once', () => {
    expect(
      outermostScopes([
        'http://a.test/docs/',
        'http://a.test/',
        'http://b.test/x/',
        'http://b.test/x/',
        'http://a.test/docs/v2/',
      ]),
    ).toEqual(['http://a.test/', 'http://b.test/x/']);
  });
});
