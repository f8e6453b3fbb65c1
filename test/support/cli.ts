import { fileURLToPath } from 'node:url';
import { type NodeRunResult, runNode } from './run-node.ts';
import type { TestBroker, TestDatabase } from './services.ts';

const MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

export type CliResult = NodeRunResult;

/** The environment that points the command at a test's own vhost and database. */
export function cliEnv(broker: TestBroker, database?: TestDatabase): Record<string, string> {
  return {
    AMQP_URL: broker.amqpUrl,
    RABBITMQ_MANAGEMENT_URL: broker.managementUrl,
    ...(database ? { MONGO_URL: database.mongoUrl, MONGO_DB: database.dbName } : {}),
    LOG_LEVEL: 'silent',
  };
}

/** Runs `tributary ARGS…` as a user would, as a child process, and samples its memory while it runs. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runNode(MAIN, args, { env, ...options });
}
