import { describe, expect, it } from 'vitest';
import { InvalidUrlError } from './errors.ts';
import { followRedirect, type HopRequest } from './redirects.ts';

const get = (url: string, headers: Record<string, string> = {}): HopRequest => ({
  url: new URL(url),
  method: 'GET',
  headers,
  body: undefined,
});
const post = (url: string): HopRequest => ({
  url: new URL(url),
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
  body: '{"a":1}',
});

describe('followRedirect', () => {
  it.each([
    ['an absolute Location', 'http://a.example/x', 302, 'http://b.example/y', 'http://b.example/y'],
    ['a path', 'http://a.example/x/y?q=1', 301, '/z', 'http://a.example/z'],
    ['a relative path', 'http://a.example/x/y', 307, 'z?k=v', 'http://a.example/x/z?k=v'],
    ['a scheme-relative URL', 'https://a.example/', 308, '//c.example/p', 'https://c.example/p'],
    ['a Location with a fragment', 'http://a.example/', 302, '/p#frag', 'http://a.example/p'],
    ['a Location with spaces around it', 'http://a.example/', 302, '  /p  ', 'http://a.example/p'],
    [
      'a private address (refused later, by the guard)',
      'http://a.example/',
      302,
      'http://10.0.0.1/',
      'http://10.0.0.1/',
    ],
  ])('resolves %s', (_what, from, status, location, to) => {
    expect(followRedirect(get(from), status, location)?.url.href).toBe(to);
  });

  it.each([200, 204, 300, 304, 305, 404, 500])('does not follow a %i', (status) => {
    expect(followRedirect(get('http://a.example/'), status, '/elsewhere')).toBeUndefined();
  });

  it('does not follow a redirect without Location', () => {
    expect(followRedirect(get('http://a.example/'), 302, undefined)).toBeUndefined();
    expect(followRedirect(get('http://a.example/'), 302, '')).toBeUndefined();
  });

  it.each([
    ['a non-http scheme', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['an unparsable URL', 'http://exa mple.com:99999/'],
  ])('refuses %s as invalid-url', (_what, location) => {
    expect(() => followRedirect(get('http://a.example/'), 302, location)).toThrow(InvalidUrlError);
  });

  it.each([
    [303, 'GET', undefined],
    [302, 'GET', undefined],
    [301, 'GET', undefined],
    [307, 'POST', '{"a":1}'],
    [308, 'POST', '{"a":1}'],
  ])('after a POST, a %i continues as %s', (status, method, body) => {
    const next = followRedirect(post('http://a.example/'), status, '/next');
    expect(next?.method).toBe(method);
    expect(next?.body).toBe(body);
    expect('content-type' in (next?.headers ?? {})).toBe(method === 'POST');
  });

  it('keeps a HEAD a HEAD through a 303', () => {
    expect(followRedirect({ ...get('http://a.example/'), method: 'HEAD' }, 303, '/n')?.method).toBe('HEAD');
  });

  it('drops credentials and validators on a cross-origin hop, keeps them on the same origin', () => {
    const headers = { Authorization: 'Bearer x', cookie: 'a=b', 'if-none-match': '"e"', accept: 'text/html' };
    const same = followRedirect(get('http://a.example/', headers), 302, '/n');
    const other = followRedirect(get('http://a.example/', headers), 302, 'http://b.example/n');
    expect(same?.headers).toEqual(headers);
    expect(other?.headers).toEqual({ accept: 'text/html' });
  });
});
