import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EmbeddingStats } from './embedding-stats.ts';
import { ROUTES } from './routes.ts';
import { DemoStats } from './stats.ts';

describe('EmbeddingStats', () => {
  it('counts what was embedded apart from what was sent', () => {
    const stats = new EmbeddingStats();
    stats.arrived(0);
    stats.sent(1, 300, 9_000);
    stats.answered('413');
    stats.arrived(10);
    stats.sent(11, 150, 4_500);
    stats.embedded(150, 4_500);
    stats.answered('200');
    stats.arrived(20);
    stats.sent(21, 150, 4_500);
    stats.embedded(150, 4_500);
    stats.answered('200');
    expect(stats.snapshot()).toEqual({
      requests: 3,
      inputs: 300,
      tokens: 9_000,
      maxInputsPerRequest: 300,
      maxTokensPerRequest: 9_000,
      byStatus: { 200: 2, 413: 1 },
      peakRequestsPerSecond: 3,
      peakTokensPerSecond: 18_000,
    });
  });

  it('takes the per-second peaks over a sliding 1,000 ms window', () => {
    const stats = new EmbeddingStats();
    // One request of 1,000 tokens every 250 ms, then a burst around 2 s: the most in a window so far is 4.
    for (const ms of [0, 250, 500, 750, 1_000, 1_250, 1_900, 2_100]) {
      stats.arrived(ms);
      stats.sent(ms, 1, 1_000);
    }
    expect(stats.snapshot()).toMatchObject({ peakRequestsPerSecond: 4, peakTokensPerSecond: 4_000 });
    for (const ms of [2_150, 2_200]) {
      stats.arrived(ms);
      stats.sent(ms, 1, 1_000);
    }
    // (1,200, 2,200] holds 1,250, 1,900, 2,100, 2,150 and 2,200; whole seconds would say 3 and 3.
    expect(stats.snapshot()).toMatchObject({ peakRequestsPerSecond: 5, peakTokensPerSecond: 5_000 });
  });

  it('resets everything, so arrivals before a reset never add to a peak after it', () => {
    const stats = new EmbeddingStats();
    for (let ms = 0; ms < 5; ms++) {
      stats.arrived(ms);
      stats.sent(ms, 2, 10);
      stats.embedded(2, 10);
      stats.answered('200');
    }
    stats.reset();
    stats.arrived(10);
    stats.sent(10, 1, 3);
    expect(stats.snapshot()).toEqual({
      requests: 1,
      inputs: 0,
      tokens: 0,
      maxInputsPerRequest: 1,
      maxTokensPerRequest: 3,
      byStatus: {},
      peakRequestsPerSecond: 1,
      peakTokensPerSecond: 3,
    });
  });
});

describe('DemoStats.embeddings', () => {
  it('counts the embedding routes, on DemoStats’ clock, beside the per-route counters', () => {
    const clock = { ms: 0 };
    const stats = new DemoStats({ registry: new Registry(), now: () => clock.ms });
    stats.arrived(ROUTES.embeddings, 'embed.test');
    stats.embeddingsSent(2, 7);
    stats.embedded(2, 7);
    stats.responded(ROUTES.embeddings, 200, 'none');
    stats.finished(ROUTES.embeddings, 'embed.test');
    clock.ms = 500;
    stats.arrived(ROUTES.teiEmbed, 'embed.test');
    stats.responded(ROUTES.teiEmbed, 503, 'down');
    stats.finished(ROUTES.teiEmbed, 'embed.test');
    stats.arrived(ROUTES.record, 'embed.test');
    stats.responded(ROUTES.record, 200, 'none');
    stats.finished(ROUTES.record, 'embed.test');
    const snapshot = stats.snapshot();
    expect(snapshot.embeddings).toEqual({
      requests: 2,
      inputs: 2,
      tokens: 7,
      maxInputsPerRequest: 2,
      maxTokensPerRequest: 7,
      byStatus: { 200: 1, 503: 1 },
      peakRequestsPerSecond: 2,
      peakTokensPerSecond: 7,
    });
    expect(snapshot.requests).toEqual({ '/v1/embeddings': 1, '/embed': 1, '/records/:id': 1 });
    expect(snapshot.responses).toMatchObject({ '/v1/embeddings': { 200: 1 }, '/embed': { 503: 1 } });
    stats.reset();
    expect(stats.snapshot().embeddings.requests).toBe(0);
  });
});
