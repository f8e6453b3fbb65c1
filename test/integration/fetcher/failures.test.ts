import { afterEach, describe, expect, it } from 'vitest';
import { type FetcherWorld, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * Arrival times of requests at the demo API, on this process's clock: with `jitter=1` in a URL the demo API
 * draws one random number per request as it arrives; the source of randomness records the moment (and adds
 * no jitter).
 */
function arrivalClock(): { times: number[]; random: () => number } {
  const times: number[] = [];
  return {
    times,
    random: () => {
      times.push(performance.now());
      return 0;
    },
  };
}

describe('fetcher: Retry-After', () => {
  it.each([
    ['delta-seconds', '/records/20?failFirst=1&failStatus=429&retryAfter=2&jitter=1', 2_000],
    ['HTTP-date', '/records/21?failFirst=1&failStatus=429&retryAfter=1&retryAfterDate=1&jitter=1', 1_000],
  ])(
    'waits at least what a 429 with Retry-After (%s) says before trying again',
    async (_form, path, waitMs) => {
      const clock = arrivalClock();
      world = await startWorld({ demo: { random: clock.random } });
      await world.enqueue(world.job(path));
      const [record] = await world.waitForRecords(1);
      expect(record?.status).toBe(200);
      expect(world.attempts(path)).toBe(2);
      expect(clock.times).toHaveLength(2);
      const gapMs = (clock.times[1] ?? 0) - (clock.times[0] ?? 0);
      // Never sooner (the HTTP-date form has whole-second precision and the server rounds it up); later by at
      // most the delay bucket chosen (3 s for 2 s) and a loaded machine's slack.
      expect(gapMs).toBeGreaterThanOrEqual(waitMs);
      expect(gapMs).toBeLessThan(waitMs + 5_000);
      expect(
        await world.metric('tributary_messages_retried_total', { stage: 'fetch', reason: 'rate-limited' }),
      ).toBe(1);
    },
  );
});

describe('fetcher: timeouts', () => {
  it('times out a request that never answers, retries it, and dead-letters it when attempts run out', async () => {
    world = await startWorld({ fetcher: { headersTimeoutMs: 300, maxAttempts: 3 } });
    const path = '/records/30?hang=1';
    await world.enqueue(world.job(path));
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'timeout', 'x-attempt': 3 });
    expect(String(dead?.headers['x-error-message'])).toMatch(/timeout/i);
    expect(world.attempts(path)).toBe(3);
    expect(await world.records()).toEqual([]);
  });
});

describe('fetcher: bodies', () => {
  it('refuses a body whose Content-Length is above the limit without reading it, and dead-letters it at once', async () => {
    world = await startWorld({ fetcher: { maxBodyBytes: 100_000 } });
    const path = '/records/40?size=5000000';
    await world.enqueue(world.job(path));
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'body-too-large', 'x-attempt': 1 });
    expect(world.attempts(path)).toBe(1);
    expect(await world.metric('tributary_fetch_response_bytes_total')).toBe(0);
  });

  it('stops reading a body without Content-Length at the limit', async () => {
    world = await startWorld({ fetcher: { maxBodyBytes: 100_000 } });
    // Chunked, no Content-Length: 2.5 MB would come before the connection drops.
    const path = '/records/41?size=5000000&truncate=chunked';
    await world.enqueue(world.job(path));
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'body-too-large', 'x-attempt': 1 });
    expect(String(dead?.headers['x-error-message'])).toMatch(/100000 bytes/);
  });

  it('retries a JSON body that does not parse, then dead-letters it as corrupted-response', async () => {
    world = await startWorld({ fetcher: { maxAttempts: 2 } });
    const path = '/records/42?corrupt=1';
    await world.enqueue(world.job(path));
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'corrupted-response', 'x-attempt': 2 });
    expect(String(dead?.headers['x-error-message'])).toMatch(/not valid JSON/);
    expect(world.attempts(path)).toBe(2);
  });

  it('retries a body shorter than its Content-Length, then dead-letters it as corrupted-response', async () => {
    world = await startWorld({ fetcher: { maxAttempts: 2 } });
    const truncated = '/records/43?truncate=1';
    await world.enqueue(world.job(truncated));
    const [dead] = await world.waitForDeadLetters(1);
    expect(dead?.headers).toMatchObject({ 'x-error-reason': 'corrupted-response', 'x-attempt': 2 });
    expect(world.attempts(truncated)).toBe(2);
  });
});

describe('fetcher: SSRF guard', () => {
  it('refuses a redirect to a private address, or to another loopback port, without connecting to it', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    // Every socket this process opens while the jobs run, and where each one connected (if it did).
    const sockets: { connectedTo: string | undefined; error: string }[] = [];
    const onSocket = (message: unknown) => {
      const { socket } = message as { socket: import('node:net').Socket };
      const entry = { connectedTo: undefined as string | undefined, error: '' };
      sockets.push(entry);
      socket.once('connect', () => {
        entry.connectedTo = `${socket.remoteAddress}:${socket.remotePort}`;
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        entry.error = `${err.code} ${err.message}`;
      });
    };
    subscribe('net.client.socket', onSocket);
    try {
      world = await startWorld();
      const w = world;
      // Something else listening on loopback: the fetcher may reach the demo API's port only.
      const { createServer } = await import('node:http');
      let reached = 0;
      const other = createServer((_req, res) => {
        reached++;
        res.end('secret');
      });
      other.on('connection', () => reached++);
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const otherPort = (other.address() as { port: number }).port;
      try {
        const jobs = [
          w.job('/records/50?redirectTo=private'),
          w.job('/records/51?redirectTo=metadata'),
          w.job(`/records/52?redirect=${encodeURIComponent(`http://127.0.0.1:${otherPort}/admin`)}`),
          w.job('/records/53?redirectTo=ipv6-loopback'),
          { id: 'direct-private', url: 'http://10.0.0.1/records/1' },
          { id: 'direct-localhost', url: `http://localhost:${otherPort}/` },
        ];
        await w.enqueue(...jobs);
        const dead = await w.waitForDeadLetters(jobs.length);
        for (const letter of dead) {
          expect(letter.headers, letter.body.url).toMatchObject({
            'x-error-reason': 'blocked-address',
            'x-attempt': 1,
          });
        }
        expect(reached).toBe(0);
        // Every socket opened meanwhile connected (none is left trying 10.0.0.1), and none to a refused place.
        // (Broker sockets may be reset later by the broker: that is not what this checks.)
        const demoAddress = `127.0.0.1:${new URL(w.demoUrl).port}`;
        expect(sockets.some((socket) => socket.connectedTo === demoAddress)).toBe(true);
        const forbidden = ['10.0.0.1', '169.254.169.254', '::1'];
        for (const socket of sockets) {
          // A socket that never connected would be one tried toward a refused address.
          expect(socket.connectedTo, socket.error).toBeDefined();
          expect(forbidden.some((address) => socket.connectedTo?.startsWith(address))).toBe(false);
          expect(socket.connectedTo).not.toBe(`127.0.0.1:${otherPort}`);
        }
      } finally {
        await new Promise<void>((resolve) => other.close(() => resolve()));
      }
    } finally {
      unsubscribe('net.client.socket', onSocket);
    }
  });
});
