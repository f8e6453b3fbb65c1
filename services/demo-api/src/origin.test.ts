import { describe, expect, it } from 'vitest';
import { requestOrigin } from './origin.ts';

describe('requestOrigin', () => {
  it.each([
    ['127.0.0.2:8080', 'http://127.0.0.2:8080'],
    ['demo-api:8080', 'http://demo-api:8080'],
    ['Example.test', 'http://Example.test'],
    ['[::1]:8080', 'http://[::1]:8080'],
  ])('takes the Host header %s as the origin', (host, origin) => {
    expect(requestOrigin(host, 'http://fallback:1')).toBe(origin);
  });

  it.each([[undefined], [''], ['evil.test"><script>'], ['a.test/path'], ['user@a.test'], ['a.test:port']])(
    'falls back to the server’s base URL for the Host header %j',
    (host) => {
      expect(requestOrigin(host, 'http://fallback:1')).toBe('http://fallback:1');
    },
  );
});
