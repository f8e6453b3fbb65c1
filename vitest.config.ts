import { defineConfig } from 'vitest/config';

// Unit tests live beside the code and need nothing running; the tests under test/ talk to a real broker and
// database found through test/support.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/chaos/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores: broker, database and the services under test already share them.
          maxWorkers: 2,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
