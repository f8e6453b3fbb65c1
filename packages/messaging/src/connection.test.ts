import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { topologyNames } from '@tributary/contracts';
import { createLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { BrokerConnection } from './connection.ts';
import { DEFAULT_DELAY_BUCKETS_MS } from './delay-buckets.ts';

/** A loopback port nothing listens on: connecting to it is refused at once, no broker needed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

describe('BrokerConnection', () => {
  it('logs and reports a failed attempt with the broker URL, its password hidden', async () => {
    const port = await closedPort();
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const connection = new BrokerConnection({
      urls: [`amqp://tributary:secret-in-url@127.0.0.1:${port}`],
      name: 'connection-test',
      logger: createLogger({ service: 'connection-test', destination: stream }),
      topology: {
        names: topologyNames(''),
        delayBucketsMs: [...DEFAULT_DELAY_BUCKETS_MS],
        maxLength: 10,
        deliveryLimit: 5,
      },
      reconnectSeconds: 60,
    });
    connection.start();
    try {
      await expect.poll(() => connection.lastFailure, { timeout: 5_000 }).toBeDefined();
      await expect.poll(() => output, { timeout: 5_000 }).toContain('broker connection attempt failed');
    } finally {
      await connection.close();
    }
    expect(output).toContain(`amqp://tributary:redacted@127.0.0.1:${port}`);
    expect(output).not.toContain('secret-in-url');
    expect(connection.lastFailure).toContain(`amqp://tributary:redacted@127.0.0.1:${port}`);
    expect(connection.lastFailure).not.toContain('secret-in-url');
  });
});
