import { describe, expect, it } from 'vitest';
import { InvalidUrlError } from './errors.ts';
import { requestUrl } from './request-url.ts';

describe('requestUrl', () => {
  it.each([
    ['an http URL', 'http://a.example/x?q=1', 'http://a.example/x?q=1'],
    ['an https URL with a port', 'https://a.example:8443/', 'https://a.example:8443/'],
    ['a URL with a fragment, which is never sent', 'http://a.example/p#section', 'http://a.example/p'],
  ])('accepts %s', (_what, raw, href) => {
    expect(requestUrl(raw).href).toBe(href);
  });

  it.each([
    ['a URL that does not parse', 'not a url'],
    ['another scheme', 'ftp://example.com/'],
    ['credentials in the URL', 'http://user:pw@127.0.0.1/ok'],
    ['a user name alone', 'http://user@a.example/'],
  ])('refuses %s as invalid-url', (_what, raw) => {
    const refused = (() => {
      try {
        requestUrl(raw);
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(InvalidUrlError);
    expect(refused).toMatchObject({ reason: 'invalid-url', retryable: false });
  });
});
