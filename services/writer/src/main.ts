import { runService } from '@tributary/core';
import { writerRules } from './config.ts';
import { startWriter, writerServiceSettings } from './start-writer.ts';

await runService(
  'writer',
  writerServiceSettings,
  async (ctx) => {
    await startWriter(ctx);
  },
  { rules: writerRules },
);
