export {
  type EmbedderOptions,
  type EndpointSettings,
  embedderServiceSettings,
  embedderSettings,
  embeddingClientOptions,
} from './config.ts';
export { startEmbedder } from './embedder.ts';
export { type EmbeddingApi, EmbeddingClient, type EmbeddingClientOptions } from './embedding-client.ts';
