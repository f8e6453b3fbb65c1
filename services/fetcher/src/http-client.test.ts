import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressGuard, type Resolver } from './address-guard.ts';
import { classify, observeError } from './classify.ts';
import {
  BlockedAddressError,
  BodyTooLargeError,
  CorruptedResponseError,
  InvalidUrlError,
  TooManyRedirectsError,
} from './errors.ts';
import { HttpClient } from './http-client.ts';

// A loopback upstream with a few behaviours, for the client's own edges; the demo API covers the rest.
let server: Server;
let origin: string;
let port: number;

function route(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/ok':
      res
        .writeHead(200, { 'content-type': 'text/plain', etag: '"a"' })
        .end(`hello ${req.headers['user-agent']}`);
      return;
    case '/big-chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 100; i++) res.write('x'.repeat(1_000));
      res.end();
      return;
    case '/short':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('only part of it');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    case '/hop': {
      const n = Number(url.searchParams.get('n') ?? 0);
      res.writeHead(302, { location: n > 0 ? `/hop?n=${n - 1}` : '/ok' }).end();
      return;
    }
    case '/to':
      res.writeHead(302, { location: url.searchParams.get('location') ?? '/' }).end();
      return;
    case '/trickle': {
      // One byte every 50 ms, never silent for long, for 10 s: only a deadline on the whole response ends it.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '200' });
      const timer = setInterval(() => res.write('x'), 50);
      const stop = setTimeout(() => res.end(), 10_000);
      res.on('close', () => {
        clearInterval(timer);
        clearTimeout(stop);
      });
      return;
    }
    case '/slow-hop': {
      // Each hop answers quickly enough on its own; the chain takes longer than the whole response may.
      const n = Number(url.searchParams.get('n') ?? 0);
      const timer = setTimeout(() => {
        res.writeHead(302, { location: n > 0 ? `/slow-hop?n=${n - 1}` : '/ok' }).end();
      }, 150);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const noDns: Resolver = async (host) => {
  throw new Error(`unexpected lookup of ${host}`);
};

function client(
  options: { resolve?: Resolver; maxBodyBytes?: number; maxRedirects?: number; totalTimeoutMs?: number } = {},
) {
  return new HttpClient({
    guard: new AddressGuard({ allowHosts: [`127.0.0.1:${port}`], resolve: options.resolve ?? noDns }),
    connectTimeoutMs: 1_000,
    headersTimeoutMs: 1_000,
    bodyTimeoutMs: 1_000,
    totalTimeoutMs: options.totalTimeoutMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 1_000_000,
    maxRedirects: options.maxRedirects ?? 3,
    userAgent: 'test-agent/1',
    connectionsPerOrigin: 4,
  });
}

/** Where the process connected, or tried to, while `work` ran: undici's connect attempts and every TCP socket. */
async function connectionsDuring(
  work: () => Promise<unknown>,
): Promise<{ attempts: string[]; sockets: Socket[] }> {
  const attempts: string[] = [];
  const sockets: Socket[] = [];
  const onAttempt = (message: unknown) => {
    const { connectParams } = message as { connectParams: { hostname: string; port: string } };
    attempts.push(`${connectParams.hostname}:${connectParams.port}`);
  };
  const onSocket = (message: unknown) => {
    sockets.push((message as { socket: Socket }).socket);
  };
  subscribe('undici:client:beforeConnect', onAttempt);
  subscribe('net.client.socket', onSocket);
  try {
    await work().catch(() => undefined);
  } finally {
    unsubscribe('undici:client:beforeConnect', onAttempt);
    unsubscribe('net.client.socket', onSocket);
  }
  return { attempts, sockets };
}

describe('HttpClient', () => {
  it('sends the User-Agent and returns status, headers and body', async () => {
    const c = client();
    const response = await c.request({ url: new URL(`${origin}/ok`) });
    expect(response).toMatchObject({ status: 200, finalUrl: `${origin}/ok` });
    expect(response.headers.etag).toBe('"a"');
    expect(response.body.toString()).toBe('hello test-agent/1');
    await c.close();
  });

  it('follows redirects hop by hop, up to the cap', async () => {
    const c = client({ maxRedirects: 3 });
    const response = await c.request({ url: new URL(`${origin}/hop?n=2`) });
    expect(response).toMatchObject({ status: 200, finalUrl: `${origin}/ok` });
    await expect(c.request({ url: new URL(`${origin}/hop?n=3`) })).rejects.toBeInstanceOf(
      TooManyRedirectsError,
    );
    await c.close();
  });

  it('refuses a name that resolves to a private address, without opening a socket', async () => {
    const c = client({ resolve: async () => [{ address: '10.0.0.1', family: 4 }] });
    let error: unknown;
    const seen = await connectionsDuring(async () => {
      error = await c.request({ url: new URL('http://internal.example/') }).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(BlockedAddressError);
    // undici asked the connector for a connection; the guard refused it before any socket existed.
    expect(seen.attempts).toEqual(['internal.example:']);
    expect(seen.sockets).toEqual([]);
    await c.close();
  });

  it.each([
    ['a private address', 'http://10.0.0.1/'],
    ['another port on loopback', 'http://127.0.0.1:1/'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses a redirect to %s before connecting to it', async (_what, location) => {
    const c = client();
    let error: unknown;
    const seen = await connectionsDuring(async () => {
      error = await c
        .request({ url: new URL(`${origin}/to?location=${encodeURIComponent(location)}`) })
        .catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(BlockedAddressError);
    // The only connection made or tried is to the allowed upstream that sent the redirect.
    expect(seen.attempts.every((a) => a === `127.0.0.1:${port}`)).toBe(true);
    for (const socket of seen.sockets) {
      if (socket.connecting) await once(socket, 'connect');
      expect(socket.remotePort).toBe(port);
    }
    await c.close();
  });

  it('refuses a redirect to a non-http scheme as an invalid URL', async () => {
    const c = client();
    await expect(
      c.request({ url: new URL(`${origin}/to?location=${encodeURIComponent('file:///etc/passwd')}`) }),
    ).rejects.toBeInstanceOf(InvalidUrlError);
    await c.close();
  });

  it('stops reading a chunked body past the limit', async () => {
    const c = client({ maxBodyBytes: 10_000 });
    await expect(c.request({ url: new URL(`${origin}/big-chunked`) })).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    await c.close();
  });

  it.each([
    ['a body that trickles in without ever falling silent', '/trickle', 5],
    ['a chain of redirects, each hop quick enough on its own', '/slow-hop?n=8', 50],
  ])('cuts off %s at the deadline on the whole response: a timeout', async (_what, path, maxRedirects) => {
    const c = client({ totalTimeoutMs: 400, maxRedirects });
    const started = performance.now();
    const error = await c.request({ url: new URL(`${origin}${path}`) }).catch((e: unknown) => e);
    const elapsedMs = performance.now() - started;
    expect(error).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    expect((error as Error).message).toMatch(/took over 400 ms in all/);
    // Classified as every other timeout: retried, and counted against the host.
    const verdict = classify(observeError(error), { attempt: 1, backoff: { baseMs: 100, maxMs: 100 } });
    expect(verdict).toMatchObject({ kind: 'retry', reason: 'timeout', failureOf: 'url' });
    expect(elapsedMs).toBeGreaterThanOrEqual(390);
    expect(elapsedMs).toBeLessThan(3_000);
    await c.close();
  });

  it('reports a body shorter than its Content-Length as corrupted', async () => {
    const c = client();
    await expect(c.request({ url: new URL(`${origin}/short`) })).rejects.toBeInstanceOf(
      CorruptedResponseError,
    );
    await c.close();
  });
});
