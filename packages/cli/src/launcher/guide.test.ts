import { describe, expect, it } from 'vitest';
import { buildGuide, READ_DOCUMENTS_COMMAND, renderGuide } from './guide.ts';

const processes = [
  { name: 'demo-api', metricsUrl: 'http://127.0.0.1:8080/metrics' },
  { name: 'fetcher-1', metricsUrl: 'http://127.0.0.1:9464/metrics' },
];

describe('buildGuide', () => {
  it('lists each metrics URL, the management UI without its password, and the commands to look further', () => {
    const guide = buildGuide({
      processes,
      endpoints: { managementUrl: 'http://guest:secret@127.0.0.1:15672', source: 'infra-local' },
      batchId: 'demo-20250107-093512',
      env: {},
    });
    expect(guide).toEqual({
      processes,
      management: { url: 'http://127.0.0.1:15672/', user: 'guest' },
      setup: ['eval "$(bash infra/local/env.sh)"'],
      commands: [
        { what: 'queues, consumers and dead letters', command: 'npx tributary status' },
        {
          what: 'how each job of the demo batch ended',
          command: 'npx tributary batch status demo-20250107-093512',
        },
        { what: 'the first stored chunks', command: READ_DOCUMENTS_COMMAND },
      ],
    });
    expect(JSON.stringify(guide)).not.toContain('secret');
  });

  it('asks for the same prefix and database in the other shell, and no env.sh for servers of its own', () => {
    const guide = buildGuide({
      processes,
      endpoints: { managementUrl: undefined, source: 'environment' },
      batchId: undefined,
      env: { TRIBUTARY_PREFIX: 'demo.', MONGO_DB: "o'brien" },
    });
    expect(guide.setup).toEqual([`export TRIBUTARY_PREFIX=demo. MONGO_DB='o'\\''brien'`]);
    expect(guide.management).toBeUndefined();
    expect(guide.commands.map((command) => command.command)).not.toContain(
      expect.stringContaining('batch status'),
    );
  });
});

describe('renderGuide', () => {
  it('aligns the URLs under each other', () => {
    const text = renderGuide(
      buildGuide({
        processes,
        endpoints: { managementUrl: 'http://guest:guest@127.0.0.1:15672', source: 'infra-local' },
        batchId: undefined,
        env: {},
      }),
    );
    expect(text).toContain('  demo-api             http://127.0.0.1:8080/metrics\n');
    expect(text).toContain('  RabbitMQ management  http://127.0.0.1:15672/  (user guest)\n');
    expect(text).toContain('  npx tributary status\n');
  });
});
