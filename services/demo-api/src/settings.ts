import { setting } from '@tributary/core';
import { EMBEDDING_DEFAULTS, EMBEDDING_LIMITS } from './embedding.ts';
import { FAULT_LIMITS } from './faults.ts';
import { SITE_MAX_PAGES } from './site-links.ts';

/** The demo API's environment variables: validated at start, defaults that work with `docker compose up`. */
export const demoSettings = {
  port: setting.int('DEMO_PORT', {
    default: 8080,
    min: 0,
    max: 65535,
    description: 'port of the demo API: content, /stats, /metrics and /healthz (0 picks a free port)',
  }),
  host: setting.string('DEMO_HOST', {
    default: '0.0.0.0',
    nonEmpty: true,
    description: 'address the demo API binds',
  }),
  latencyMs: setting.int('DEMO_LATENCY_MS', {
    default: 0,
    min: 0,
    max: FAULT_LIMITS.maxDelayMs,
    description: 'latency added to every content response unless ?latency= says otherwise',
  }),
  jitterMs: setting.int('DEMO_JITTER_MS', {
    default: 0,
    min: 0,
    max: FAULT_LIMITS.maxDelayMs,
    description: 'up to this much more latency, uniformly drawn, unless ?jitter= says otherwise',
  }),
  errorRate: setting.number('DEMO_ERROR_RATE', {
    default: 0,
    min: 0,
    max: 1,
    description: 'fraction of content requests answered with DEMO_FAIL_STATUS, unless ?fail= says otherwise',
  }),
  failStatus: setting.int('DEMO_FAIL_STATUS', {
    default: 500,
    min: 400,
    max: 599,
    description: 'status of injected failures, unless ?failStatus= says otherwise',
  }),
  cacheMb: setting.int('DEMO_CACHE_MB', {
    default: 64,
    min: 1,
    max: 16_384,
    description: 'memory for rendered content (LRU)',
  }),
  sitePages: setting.int('DEMO_SITE_PAGES', {
    default: 60,
    min: 0,
    max: SITE_MAX_PAGES,
    description:
      'pages of the discovery site /site/pages/1..n that sitemaps list and crawls find; POST /control/site?pages= lowers it at run time',
  }),
  crawlDelaySeconds: setting.number('DEMO_CRAWL_DELAY_SECONDS', {
    default: 0.05,
    min: 0,
    max: 60,
    description: 'the Crawl-delay /robots.txt asks for, in seconds (0 leaves the line out)',
  }),
  embedModel: setting.string('DEMO_EMBED_MODEL', {
    default: EMBEDDING_DEFAULTS.model,
    nonEmpty: true,
    description:
      'the model POST /embed (TEI) serves; POST /v1/embeddings serves the model each request names',
  }),
  embedDimensions: setting.int('DEMO_EMBED_DIMENSIONS', {
    default: EMBEDDING_DEFAULTS.dimensions,
    min: 1,
    max: EMBEDDING_LIMITS.maxDimensions,
    description: 'length of the vectors the embedding routes serve unless a request asks for `dimensions`',
  }),
  embedMaxInputs: setting.int('DEMO_EMBED_MAX_INPUTS', {
    default: EMBEDDING_DEFAULTS.maxInputs,
    min: 1,
    max: EMBEDDING_LIMITS.maxInputs,
    description: 'most inputs one embedding request may carry; more are answered 413',
  }),
  embedMaxTokens: setting.int('DEMO_EMBED_MAX_TOKENS', {
    default: EMBEDDING_DEFAULTS.maxTokens,
    min: 1,
    max: EMBEDDING_LIMITS.maxTokens,
    description:
      'most tokens (one per 4 characters) one embedding request may carry, all inputs together; more are answered 413',
  }),
};
