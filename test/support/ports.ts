import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The first port the kernel hands out to outgoing connections. A port checked free above it can be taken by any
 * client socket before the server that was meant to have it binds it: under the chaos suites' thousands of
 * connections, a broker started by a test lost its listener that way and stopped during boot.
 */
function ephemeralPortsStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    if (Number.isInteger(start) && start > 0) return start;
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return 49_152;
}

const LOWEST_PORT = 10_000;

/** A first port of `count` consecutive free ports in [lowest, ceiling), picked at random so that parallel tests do not collide. */
async function freePortsBelow(count: number, ceiling: number, accept: (base: number) => Promise<boolean>) {
  const span = ceiling - count - LOWEST_PORT;
  if (span <= 0) throw new Error(`no room for ${count} ports between ${LOWEST_PORT} and ${ceiling}`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = LOWEST_PORT + Math.floor(Math.random() * span);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(portFree))).every(Boolean) && (await accept(base))) return base;
  }
  return undefined;
}

/** A first port of `count` consecutive free ports outside the kernel's ephemeral range. */
export async function freePortRange(count: number): Promise<number> {
  const base = await freePortsBelow(count, ephemeralPortsStart(), async () => true);
  if (base === undefined) throw new Error(`no ${count} consecutive free ports found`);
  return base;
}

/** RabbitMQ's Erlang distribution listens on the AMQP port plus this, and it must be free too. */
export const DIST_PORT_OFFSET = 20_000;

/**
 * A first port of `count` consecutive free ports whose first `amqpPorts` are AMQP ports of RabbitMQ nodes: the
 * distribution port of each (AMQP port + DIST_PORT_OFFSET) is free and outside the ephemeral range as well.
 */
export async function freeBrokerPortRange(count: number, amqpPorts = 1): Promise<number> {
  const distPortsFree = async (base: number) => {
    const distPorts = Array.from({ length: amqpPorts }, (_, index) => base + index + DIST_PORT_OFFSET);
    return (await Promise.all(distPorts.map(portFree))).every(Boolean);
  };
  const base = await freePortsBelow(count, ephemeralPortsStart() - DIST_PORT_OFFSET, distPortsFree);
  if (base === undefined) {
    throw new Error(`no ${count} free ports whose distribution ports (+${DIST_PORT_OFFSET}) are free too`);
  }
  return base;
}
