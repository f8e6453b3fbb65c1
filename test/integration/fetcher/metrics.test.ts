import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type FetcherWorld, jobFor, startWorld } from './harness.ts';

let world: FetcherWorld | undefined;
let upstreams: Server[] = [];

afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(
    upstreams.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  upstreams = [];
});

/** Upstreams on loopback, each a host of its own (`127.0.0.1:port`), answering every request with JSON. */
async function startUpstreams(count: number): Promise<string[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
  upstreams.push(...servers);
  return servers.map((server) => `127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** The `host` label values of the fetcher's series, as Prometheus would scrape them. */
async function hostLabelValues(w: FetcherWorld): Promise<Set<string>> {
  const text = await w.registry.metrics();
  const hosts = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('tributary_fetch_')) continue;
    const host = /[{,]host="([^"]*)"/.exec(line)?.[1];
    if (host !== undefined) hosts.add(host);
  }
  return hosts;
}

describe('fetcher: per-host metrics', () => {
  it('labels only the hosts kept by FETCH_MAX_HOSTS, however many hosts it fetches from', async () => {
    const maxHosts = 3;
    const hosts = await startUpstreams(12);
    world = await startWorld({ fetcher: { maxHosts, allowHosts: hosts } });
    const w = world;
    // All at once: jobs of many hosts wait and run together, so hosts are forgotten while their requests run.
    await w.enqueue(...hosts.map((host, i) => jobFor(`http://${host}/items/${i}`)));
    await w.waitForRecords(hosts.length);
    const labelled = await hostLabelValues(w);
    expect(labelled.size).toBeGreaterThan(0);
    expect(labelled.size).toBeLessThanOrEqual(maxHosts + 1);
    for (const host of labelled) expect([...hosts, 'other']).toContain(host);

    // One host after another: the last ones fetched are the ones kept, and each has its own series.
    for (const [i, host] of hosts.entries()) {
      await w.enqueue(jobFor(`http://${host}/items/${i}?again=1`));
      await w.waitForRecords(hosts.length + i + 1);
    }
    const lastHosts = hosts.slice(-maxHosts);
    const labelledAfter = await hostLabelValues(w);
    expect(labelledAfter.size).toBeLessThanOrEqual(maxHosts + 1);
    for (const host of lastHosts) expect(labelledAfter).toContain(host);
    for (const host of hosts.slice(0, -maxHosts)) expect(labelledAfter).not.toContain(host);
    for (const host of lastHosts) {
      expect(await w.metric('tributary_fetch_requests_total', { host, outcome: 'done' })).toBeGreaterThan(0);
    }
  });
});
