import { runService } from '@tributary/core';
import { embedderRules, embedderServiceSettings } from './config.ts';
import { startEmbedder } from './embedder.ts';

await runService('embedder', embedderServiceSettings, async (ctx) => startEmbedder(ctx), {
  rules: embedderRules,
});
