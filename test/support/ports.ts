import { createServer } from 'node:net';

export async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A first port of `count` consecutive free ports, picked at random so that parallel tests do not collide. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** RabbitMQ's Erlang distribution listens on the AMQP port plus this, and it must be free too. */
export const DIST_PORT_OFFSET = 20_000;

/**
 * A first port of `count` consecutive free ports whose first `amqpPorts` are AMQP ports of RabbitMQ nodes: the
 * distribution port of each (AMQP port + DIST_PORT_OFFSET) is free and below 65536 as well.
 */
export async function freeBrokerPortRange(count: number, amqpPorts = 1): Promise<number> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const base = await freePortRange(count);
    const distPorts = Array.from({ length: amqpPorts }, (_, index) => base + index + DIST_PORT_OFFSET);
    if (
      distPorts.every((port) => port <= 65_535) &&
      (await Promise.all(distPorts.map(portFree))).every(Boolean)
    ) {
      return base;
    }
  }
  throw new Error(`no ${count} free ports whose distribution ports (+${DIST_PORT_OFFSET}) are free too`);
}
