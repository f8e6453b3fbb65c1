import type { TestPipeline } from '../pipeline.ts';
import { RabbitMQManagement } from '../rabbitmq-management.ts';

/** The series that say where a stalled batch's jobs are: held back by a fetcher, in flight, or waiting to be stored. */
const TELLING_SERIES = [
  'tributary_fetch_deferred_total',
  'tributary_fetch_circuit_state',
  'tributary_fetch_host_rate',
  'tributary_fetch_replicas',
  'tributary_fetch_requests_in_flight',
  'tributary_fetch_requests_waiting',
  'tributary_messages_in_flight',
  'tributary_messages_retried_total',
  'tributary_writer_pending_documents',
  'tributary_writer_database_ready',
  'tributary_writer_failures_total',
  'tributary_broker_connected',
];

/**
 * What a batch that stopped progressing is waiting for, for the failure message: every queue of the run with its
 * messages and consumers, each process's state, and the series above from each service (a process that does not
 * answer says so). Never throws: it describes a failure, it must not replace it.
 */
export async function stallReport(
  pipeline: TestPipeline,
  managementUrl: string,
  queuePrefix: string,
): Promise<string> {
  const lines = [`queues (ready / unacked / consumers) named ${queuePrefix}*:`];
  try {
    const queues = await new RabbitMQManagement(managementUrl, { timeoutMs: 5_000 }).queues();
    for (const queue of queues.filter((entry) => entry.name.startsWith(queuePrefix))) {
      const held = (queue.messages_ready ?? 0) + (queue.messages_unacknowledged ?? 0);
      if (held > 0 || (queue.consumers ?? 0) > 0) {
        lines.push(
          `  ${queue.name}: ${queue.messages_ready} / ${queue.messages_unacknowledged} / ${queue.consumers}`,
        );
      }
    }
  } catch (error) {
    lines.push(`  (the management API did not answer: ${(error as Error).message})`);
  }
  for (const process of pipeline.system.processes()) {
    lines.push(`${process.name} (${process.state}, restarts ${process.restarts}):`);
    if (process.service === 'demo-api') continue;
    try {
      const text = await (await fetch(process.metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
      for (const line of text.split('\n')) {
        if (TELLING_SERIES.some((name) => line.startsWith(name))) lines.push(`  ${line}`);
      }
    } catch (error) {
      lines.push(`  (its metrics did not answer: ${(error as Error).message})`);
    }
  }
  return lines.join('\n');
}
