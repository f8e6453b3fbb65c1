import { newTraceparent, type StoreMessage } from '@tributary/contracts';
import { createRegistry, Lifecycle, loadConfig, Readiness, serviceSettings } from '@tributary/core';
import { createDemoApi, type DemoApi, type StatsSnapshot } from '@tributary/demo-api';
import { embedderServiceSettings, startEmbedder } from '@tributary/embedder';
import type { Publisher } from '@tributary/messaging';
import type { Registry } from 'prom-client';
import { registryMetric } from '../../support/index.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  connectPublisher,
  startWriterWorld,
  testLogger,
  type WriterWorld,
  writerEnv,
} from '../writer/harness.ts';

/**
 * One test's embed stage on real parts: the demo API serving embeddings in process, an embedder built by the
 * service's own `startEmbedder` in a service context the test owns, and a writer (the writer's own harness) storing
 * what it publishes, on the test's vhost and database. Messages go in at the embed stage, as the transformer sends
 * them with EMBED_ENABLED.
 */
export interface EmbedWorld {
  writer: WriterWorld;
  demo: DemoApi;
  /** `http://127.0.0.1:PORT/v1/embeddings`. */
  endpoint: string;
  /** Starts an embedder with these settings over the defaults below; stopped by `close()`. */
  startEmbedder(env?: Record<string, string>): Promise<Embedder>;
  publish(...messages: StoreMessage[]): Promise<void>;
  stats(): Promise<StatsSnapshot['embeddings']>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export interface Embedder {
  registry: Registry;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/** `demo`: the demo API's embedding limits (inputs and tokens per request), over its defaults. */
export async function startEmbedWorld(
  demoOptions: { maxInputs?: number; maxTokens?: number } = {},
): Promise<EmbedWorld> {
  const demo = createDemoApi({ port: 0, embeddings: demoOptions });
  const { url } = await demo.start();
  const writer = await startWriterWorld();
  const logger = testLogger('embedder-test');
  const { connection, publisher } = await connectPublisher(writer.broker.amqpUrl, logger);
  const embedders: Embedder[] = [];
  const endpoint = `${url}/v1/embeddings`;
  return {
    writer,
    demo,
    endpoint,
    async startEmbedder(env = {}) {
      const embedder = await startOne(writer, {
        EMBED_ENDPOINT: endpoint,
        EMBED_BATCH_MAX_MS: '20',
        EMBED_BACKOFF_BASE_MS: '100',
        EMBED_BACKOFF_MAX_MS: '1000',
        EMBED_BREAKER_RESET_MS: '1000',
        ...env,
      });
      embedders.push(embedder);
      return embedder;
    },
    publish: (...messages) => publishToEmbed(publisher, messages),
    async stats() {
      return ((await (await fetch(`${url}/stats`)).json()) as StatsSnapshot).embeddings;
    },
    async resetStats() {
      await fetch(`${url}/stats/reset`, { method: 'POST' });
    },
    async close() {
      for (const embedder of embedders) await embedder.stop();
      await publisher.close();
      await connection.close();
      await writer.close();
      await demo.close();
    },
  };
}

async function startOne(writer: WriterWorld, overrides: Record<string, string>): Promise<Embedder> {
  const logger = testLogger('embedder-test');
  // The writer's vhost, topology and database: the embedder reads the vectors the writer stores.
  const env = writerEnv(writer.broker, writer.mongoUrl, writer.db.databaseName, overrides);
  const config = loadConfig({ ...serviceSettings, ...embedderServiceSettings }, env);
  const registry = createRegistry('embedder-test', { defaultMetrics: false });
  const lifecycle = new Lifecycle({ logger, gracePeriodMs: 20_000, exit: () => {} });
  const readiness = new Readiness();
  startEmbedder({ config, logger, registry, lifecycle, readiness });
  readiness.markStarted();
  await waitFor(() => readiness.report().ready, { timeoutMs: 15_000, what: 'the embedder to be ready' });
  let stopped: Promise<unknown> | undefined;
  return {
    registry,
    metric: (name, labels) => registryMetric(registry, name, labels),
    async stop() {
      stopped ??= lifecycle.shutdown('test');
      await stopped;
    },
  };
}

async function publishToEmbed(publisher: Publisher, messages: readonly StoreMessage[]): Promise<void> {
  await Promise.all(
    messages.map((message) =>
      publisher.publishToStage('embed', message, {
        messageId: message.source.jobId,
        traceparent: newTraceparent(),
      }),
    ),
  );
}
