import { batchDeadLettersQueue, STAGES, type Stage, type TopologyNames } from '@tributary/contracts';
import type { QueueStats } from '../management-api.ts';

export interface StageStatus {
  stage: Stage;
  queue: string;
  ready: number;
  unacked: number;
  consumers: number;
  publishRate: number;
  deliverRate: number;
  /** Messages waiting in the stage's delay queues (retries and deferrals). */
  delayed: number;
  dead: number;
}

export interface ServiceStatus {
  url: string;
  ready: boolean;
  detail: string;
}

export interface PipelineStatus {
  stages: StageStatus[];
  /** Dead letters not yet recorded in their batches. */
  batchDeadLettersWaiting: number;
  services: ServiceStatus[];
}

/** Pure: each stage's figures from the queues of the deployment. */
export function stagesOf(queues: readonly QueueStats[], names: TopologyNames): StageStatus[] {
  const byName = new Map(queues.map((queue) => [queue.name, queue]));
  return STAGES.map((stage) => {
    const stageNames = names.stage(stage);
    const work = byName.get(stageNames.queue);
    const delayPrefix = stageNames.delayQueue(0).replace(/0ms$/, '');
    const delayed = queues
      .filter((queue) => queue.name.startsWith(delayPrefix))
      .reduce((sum, queue) => sum + queue.ready + queue.unacked, 0);
    const dead = byName.get(stageNames.deadQueue);
    return {
      stage,
      queue: stageNames.queue,
      ready: work?.ready ?? 0,
      unacked: work?.unacked ?? 0,
      consumers: work?.consumers ?? 0,
      publishRate: work?.publishRate ?? 0,
      deliverRate: work?.deliverRate ?? 0,
      delayed,
      dead: (dead?.ready ?? 0) + (dead?.unacked ?? 0),
    };
  });
}

export function batchDeadLettersWaiting(queues: readonly QueueStats[], names: TopologyNames): number {
  const queue = queues.find((q) => q.name === batchDeadLettersQueue(names));
  return (queue?.ready ?? 0) + (queue?.unacked ?? 0);
}

/** Asks a service's /readyz; a service that does not answer is not ready, with the reason. */
export async function serviceStatus(url: string, timeoutMs: number): Promise<ServiceStatus> {
  const target = `${url.replace(/\/$/, '')}/readyz`;
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json().catch(() => ({}))) as {
      checks?: Record<string, { ready: boolean; detail?: string }>;
    };
    const failing = Object.entries(body.checks ?? {})
      .filter(([, check]) => !check.ready)
      .map(([name, check]) => `${name}: ${check.detail ?? 'not ready'}`);
    return { url, ready: response.status === 200, detail: failing.join(', ') || `HTTP ${response.status}` };
  } catch (err) {
    return { url, ready: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** A table a person reads. */
export function formatStatus(status: PipelineStatus): string {
  const header = [
    'stage',
    'queue',
    'ready',
    'unacked',
    'consumers',
    'publish/s',
    'deliver/s',
    'delayed',
    'dead',
  ];
  const rows = status.stages.map((s) => [
    s.stage,
    s.queue,
    String(s.ready),
    String(s.unacked),
    String(s.consumers),
    s.publishRate.toFixed(1),
    s.deliverRate.toFixed(1),
    String(s.delayed),
    String(s.dead),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push(`dead letters waiting to be recorded in their batches: ${status.batchDeadLettersWaiting}`);
  for (const service of status.services) {
    out.push(`${service.url}  ${service.ready ? 'ready' : `NOT READY (${service.detail})`}`);
  }
  return `${out.join('\n')}\n`;
}
