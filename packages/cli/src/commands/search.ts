import { type ConfigOf, loadConfig } from '@tributary/core';
import { EmbeddingClient, embedderSettings, embeddingClientOptions } from '@tributary/embedder';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openDatabase } from '../connections.ts';
import type { FoundChunk } from '../search/nearest.ts';
import { searchChunks } from '../search/vector-search.ts';

/** What `search` reads of the embedder's settings: the endpoint and model the chunks were embedded with. */
const SEARCH_EMBED_SETTINGS = {
  endpoint: embedderSettings.endpoint,
  api: embedderSettings.api,
  model: embedderSettings.model,
  dimensions: embedderSettings.dimensions,
  apiKey: embedderSettings.apiKey,
  queryInputType: embedderSettings.queryInputType,
  timeoutMs: embedderSettings.timeoutMs,
  userAgent: embedderSettings.userAgent,
};

interface SearchFlags {
  k: number;
  exact?: boolean;
  json?: boolean;
}

export function registerSearch(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('search')
    .description(
      'embed the query with the embedder’s endpoint and model (EMBED_*) and print the nearest stored chunks',
    )
    .argument('<query>', 'what to look for')
    .option('--k <n>', 'how many chunks', parseK, 5)
    .option('--exact', 'scan every chunk instead of asking the vector index')
    .option('--json', 'print one JSON line per chunk')
    .action((query: string, flags: SearchFlags) => run(() => search(query, flags)));
}

async function search(query: string, flags: SearchFlags): Promise<ExitCode> {
  const config = loadCliConfig();
  let embed: ConfigOf<typeof SEARCH_EMBED_SETTINGS>;
  try {
    embed = loadConfig(SEARCH_EMBED_SETTINGS, process.env);
  } catch (err) {
    throw new CliError('invalid-config', (err as Error).message, EXIT.usage);
  }
  const client = new EmbeddingClient(embeddingClientOptions(embed, 1));
  let vector: number[];
  try {
    [vector = []] = await client.embed([query], { inputType: embed.queryInputType || undefined });
  } catch (err) {
    throw new CliError(
      'embedding-failed',
      `the embeddings endpoint ${new URL(embed.endpoint).origin} did not embed the query: ${(err as Error).message}`,
      EXIT.unreachable,
      { cause: err },
    );
  } finally {
    await client.close();
  }
  const database = await openDatabase(config);
  try {
    const result = await searchChunks(database.db, vector, {
      k: flags.k,
      model: embed.model,
      documentsCollection: config.documentsCollection,
      index: config.searchIndex,
      exact: flags.exact ?? false,
    });
    if (flags.json) {
      for (const chunk of result.chunks) process.stdout.write(`${JSON.stringify(chunk)}\n`);
    } else {
      for (const chunk of result.chunks) process.stdout.write(formatChunk(chunk));
    }
    const how =
      result.method === 'vector-search'
        ? `$vectorSearch on ${config.searchIndex}`
        : 'an exact scan (no vector index answered)';
    process.stderr.write(`${result.chunks.length} chunks embedded by ${embed.model}, by ${how}\n`);
    return result.chunks.length > 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await database.close();
  }
}

function formatChunk(chunk: FoundChunk): string {
  const text = chunk.text.replace(/\s+/g, ' ').trim();
  const excerpt = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return `${chunk.score.toFixed(3)}  ${chunk.sourceUrl}#${chunk.chunkIndex}\n       ${excerpt}\n`;
}

function parseK(value: string): number {
  const k = Number(value);
  if (!/^\d+$/.test(value.trim()) || k < 1 || k > 1_000) throw new InvalidArgumentError('expected 1..1000');
  return k;
}
