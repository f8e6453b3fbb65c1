import { topologyNames } from '@tributary/contracts';
import { sleep } from '@tributary/core';
import type { Command } from 'commander';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { ManagementApi } from '../management-api.ts';
import {
  batchDeadLettersWaiting,
  formatStatus,
  type PipelineStatus,
  serviceStatus,
  stagesOf,
} from '../status/pipeline-status.ts';

const REFRESH_MS = 2_000;

export function registerStatus(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('status')
    .description(
      'per stage: queue depth, consumers, publish and deliver rates, delayed retries, dead letters',
    )
    .option('--service <url...>', "a service's base URL (http://host:port) whose /readyz to ask")
    .option('--watch', 'refresh every 2 seconds until interrupted')
    .option('--json', 'print JSON')
    .action((flags: { service?: string[]; watch?: boolean; json?: boolean }) => run(() => status(flags)));
}

async function status(flags: { service?: string[]; watch?: boolean; json?: boolean }): Promise<ExitCode> {
  const config = loadCliConfig();
  const api = new ManagementApi(config);
  const names = topologyNames(config.topologyPrefix);
  for (;;) {
    const queues = await api.queues(config.topologyPrefix);
    const current: PipelineStatus = {
      stages: stagesOf(queues, names),
      batchDeadLettersWaiting: batchDeadLettersWaiting(queues, names),
      services: await Promise.all(
        (flags.service ?? []).map((url) => serviceStatus(url, config.connectTimeoutMs)),
      ),
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(current)}\n`);
    else
      process.stdout.write(
        `${flags.watch && process.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${formatStatus(current)}`,
      );
    if (!flags.watch) return current.services.every((s) => s.ready) ? EXIT.ok : EXIT.failed;
    await sleep(REFRESH_MS);
  }
}
