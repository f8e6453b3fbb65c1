import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/run-node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = {
  fetcher: 'services/fetcher/src/main.ts',
  transformer: 'services/transformer/src/main.ts',
  writer: 'services/writer/src/main.ts',
  'demo-api': 'services/demo-api/src/main.ts',
} as const;

// One port that every address of the service points at (its health server, the broker, the database): a
// service that bound it would fail with EADDRINUSE (exit 1, not 2), one that connected would be counted.
let trap: Server;
let trapPort: number;
let connections = 0;

beforeAll(async () => {
  trap = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  trap.listen(0, '127.0.0.1');
  await once(trap, 'listening');
  trapPort = (trap.address() as { port: number }).port;
});

afterAll(() => {
  trap.close();
});

function run(service: keyof typeof MAIN, env: Record<string, string>) {
  return runNode(join(ROOT, MAIN[service]), [], {
    env: {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(trapPort),
      DEMO_HOST: '127.0.0.1',
      DEMO_PORT: String(trapPort),
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${trapPort}`,
      MONGO_URL: `mongodb://127.0.0.1:${trapPort}/`,
      ...env,
    },
  });
}

describe('configuration errors stop a service before it binds a port or connects, exit 2, variables named', () => {
  it.each([
    {
      service: 'fetcher',
      env: { FETCH_BACKOFF_BASE_MS: '1000', FETCH_BACKOFF_MAX_MS: '10' },
      problems: ['FETCH_BACKOFF_MAX_MS must be at least FETCH_BACKOFF_BASE_MS (1000), got "10"'],
    },
    {
      service: 'fetcher',
      env: { FETCH_CONCURRENCY: 'abc', AMQP_URL: 'http://nope' },
      problems: [
        'FETCH_CONCURRENCY must be an integer 1..10000, got "abc"',
        'AMQP_URL must be a comma-separated list of amqp/amqps URLs, got "<redacted>"',
      ],
    },
    {
      service: 'writer',
      env: { WRITE_RETRY_BASE_MS: '500', WRITE_RETRY_MAX_MS: '100' },
      problems: ['WRITE_RETRY_MAX_MS must be at least WRITE_RETRY_BASE_MS (500), got "100"'],
    },
    {
      service: 'writer',
      env: { WRITE_BATCH_SIZE: '0' },
      problems: ['WRITE_BATCH_SIZE must be an integer 1..100000, got "0"'],
    },
    {
      service: 'transformer',
      env: { TRANSFORM_TARGET_TOKENS: '100', TRANSFORM_MAX_TOKENS: '50', TRANSFORM_OVERLAP_TOKENS: '100' },
      problems: [
        'TRANSFORM_MAX_TOKENS must be 0 or at least TRANSFORM_TARGET_TOKENS (100), got "50"',
        'TRANSFORM_OVERLAP_TOKENS must be below TRANSFORM_TARGET_TOKENS (100), got "100"',
      ],
    },
    {
      service: 'transformer',
      env: { TRANSFORM_RESTART_BASE_MS: '5000', TRANSFORM_RESTART_MAX_MS: '1000' },
      problems: ['TRANSFORM_RESTART_MAX_MS must be at least TRANSFORM_RESTART_BASE_MS (5000), got "1000"'],
    },
    {
      service: 'transformer',
      env: { TRANSFORM_BACKOFF_BASE_MS: '5000', TRANSFORM_BACKOFF_MAX_MS: '1000' },
      problems: ['TRANSFORM_BACKOFF_MAX_MS must be at least TRANSFORM_BACKOFF_BASE_MS (5000), got "1000"'],
    },
    {
      service: 'demo-api',
      env: { DEMO_ERROR_RATE: '2' },
      problems: ['DEMO_ERROR_RATE must be a number 0..1, got "2"'],
    },
  ] as const)('$service with $env', async ({ service, env, problems }) => {
    const before = connections;
    const result = await run(service, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${service}: Invalid configuration:`);
    for (const problem of problems) expect(result.stderr).toContain(problem);
    // Nothing was logged (the logger comes after the configuration) and nothing was connected to.
    expect(result.stdout).toBe('');
    expect(connections).toBe(before);
  });
});
