import { setTimeout as sleep } from 'node:timers/promises';
import type { UnexpectedExit } from '@tributary/cli';
import { BATCH_COLLECTIONS } from '@tributary/contracts';
import { MongoClient } from 'mongodb';
import type { TestPipeline } from '../pipeline.ts';
import { waitFor } from '../wait-for.ts';
import { expectedStore } from '../workload/expected-store.ts';
import { type Differences, differences, type ObservedState, observeState } from '../workload/final-state.ts';
import type { Workload } from '../workload/workload.ts';
import { BatchProgressTracker, withPatience } from './batch-progress.ts';
import { type MemoryTrend, RssSampler } from './rss-sampler.ts';
import { type ChaosEvent, describeAction } from './schedule.ts';

/** What a chaos run does to the servers; a run uses the ones its schedule names. */
export interface ServerFaults {
  restartBroker?(): Promise<void>;
  stopDatabase?(): Promise<void>;
  startDatabase?(): Promise<void>;
  stopBrokerNode?(node: number): Promise<void>;
  startBrokerNode?(node: number): Promise<void>;
}

export interface FiredEvent {
  event: ChaosEvent;
  /** The progress when it fired: later than planned when the one before it took long. */
  firedAtProgress: number;
  startedMs: number;
  endedMs: number;
}

export interface ChaosRunResult {
  batch: string;
  durationSeconds: number;
  fired: FiredEvent[];
  /** Exits the launcher saw, by process: the kills, and any death the kills did not cause. */
  exits: Map<string, number>;
  memory: MemoryTrend[];
  observed: ObservedState;
  differences: Differences;
  /** Per broker node outage: the longest time without a job ending, from the stop to 10 s after the start. */
  nodeOutageStalls: { node: number; stallSeconds: number }[];
}

export interface ChaosRunOptions {
  pipeline: TestPipeline;
  servers: ServerFaults;
  workload: Workload;
  events: readonly ChaosEvent[];
  batch: string;
  /** Progress lines for the test's output. */
  log: (line: string) => void;
  /** How long the batch may take to end after the last fault (default 6 min). */
  settleTimeoutMs?: number;
  /** Work beside the faults, from the enqueue on, given the batch's progress (0..1); awaited before the end. */
  alongside?: (progress: () => number) => Promise<void>;
  /** What the pipeline is waiting for, added to the error when the batch stops progressing. */
  describeStall?: () => Promise<string>;
}

/**
 * Enqueues the workload through `tributary enqueue`, fires each event once the batch has progressed to its
 * moment (one after another: a database outage lasts its seconds before the next fault), waits for every job
 * to end, and reads the final state.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const { pipeline, workload, batch, log } = options;
  const started = Date.now();
  const exits = new Map<string, number>();
  const onExit = (exit: UnexpectedExit) => exits.set(exit.name, (exits.get(exit.name) ?? 0) + 1);
  pipeline.system.on('exit', onExit);
  const sampler = new RssSampler(() => pipeline.system.processes());
  const enqueued = await pipeline.cli(['enqueue', '-', '--batch', batch, '--json'], {
    stdin: `${workload.lines.join('\n')}\n`,
  });
  if (enqueued.code !== 0) throw new Error(`tributary enqueue exited ${enqueued.code}: ${enqueued.stderr}`);
  const progress = new BatchProgressTracker(
    { db: () => pipeline.db, renewClient: () => pipeline.renewDatabaseClient() },
    batch,
    workload.jobs.length,
  );
  const fired: FiredEvent[] = [];
  const alongside = options.alongside?.(() => progress.fraction);
  // Its failure is reported where it is awaited, not as an unhandled rejection before that.
  alongside?.catch(() => {});
  try {
    for (const event of options.events) {
      await waitFor(() => progress.fraction >= event.atProgress || progress.fraction >= 1, {
        timeoutMs: 180_000,
        intervalMs: 100,
        what: `progress ${event.atProgress.toFixed(2)} for "${describeAction(event)}"`,
      });
      const startedMs = Date.now();
      const firedAtProgress = progress.fraction;
      log(
        `${((startedMs - started) / 1000).toFixed(1)} s, ${(firedAtProgress * 100).toFixed(0)} % ended: ` +
          describeAction(event),
      );
      await fire(event, pipeline, options.servers);
      fired.push({ event, firedAtProgress, startedMs, endedMs: Date.now() });
    }
    await alongside;
    await waitFor(() => progress.ended >= workload.jobs.length, {
      timeoutMs: options.settleTimeoutMs ?? 360_000,
      intervalMs: 250,
      what: `every job of ${batch} to end (${progress.ended} of ${workload.jobs.length} so far)`,
    });
  } catch (error) {
    if (options.describeStall === undefined) throw error;
    const ended = `${progress.ended} of ${workload.jobs.length} jobs ended (${progress.describePolling()}; ${await countNow(pipeline, batch)})`;
    throw new Error(
      `${(error as Error).message}\n${ended}; where the rest are:\n${await options.describeStall()}`,
      {
        cause: error,
      },
    );
  } finally {
    progress.stop();
    sampler.stop();
    pipeline.system.off('exit', onExit);
  }
  const durationSeconds = (Date.now() - started) / 1000;
  const waited = await pipeline.cli(['batch', 'wait', batch, '--json', '--timeout', '120'], {
    timeoutMs: 150_000,
  });
  if (waited.code !== 0 && waited.code !== 1) {
    throw new Error(`tributary batch wait exited ${waited.code}: ${waited.stderr}`);
  }
  const observed = await observeState(pipeline, batch);
  const expected = await expectedStore(workload.jobs);
  return {
    batch,
    durationSeconds,
    fired,
    exits,
    memory: sampler.trends(),
    observed,
    differences: differences(workload.jobs, expected, observed),
    nodeOutageStalls: fired
      .filter((entry) => entry.event.kind === 'broker-node-outage')
      .map((entry) => ({
        node: (entry.event as { node: number }).node,
        stallSeconds: progress.longestStallMs(entry.startedMs, entry.endedMs + 10_000) / 1000,
      })),
  };
}

async function fire(event: ChaosEvent, pipeline: TestPipeline, servers: ServerFaults): Promise<void> {
  switch (event.kind) {
    case 'kill':
      // A process the launcher is still starting again is killed once it is back.
      await pipeline.system.waitUntilReady(event.process, 180_000);
      pipeline.system.kill(event.process, 'SIGKILL');
      return;
    case 'restart-broker':
      await required(servers.restartBroker, 'restartBroker').call(servers);
      return;
    case 'database-outage':
      await required(servers.stopDatabase, 'stopDatabase').call(servers);
      await sleep(event.seconds * 1000);
      await required(servers.startDatabase, 'startDatabase').call(servers);
      return;
    case 'broker-node-outage':
      await required(servers.stopBrokerNode, 'stopBrokerNode').call(servers, event.node);
      await sleep(event.seconds * 1000);
      await required(servers.startBrokerNode, 'startBrokerNode').call(servers, event.node);
      return;
  }
}

function required<T>(fault: T | undefined, name: string): T {
  if (fault === undefined) throw new Error(`the schedule needs ${name}, which this run's servers lack`);
  return fault;
}

/** The table a chaos suite prints: one row per run. */
export function chaosTable(rows: readonly { name: string; result: ChaosRunResult }[]): string {
  const header =
    '| run | jobs | stored | dead by reason | kills | broker restarts | database outages | broker node outages | lost | duplicated | wrong | jobs with dead-letter copies | duration |';
  const lines = [header, `|${'---|'.repeat(13)}`];
  for (const { name, result } of rows) {
    const { observed, fired } = result;
    const count = (kind: ChaosEvent['kind']) => fired.filter((entry) => entry.event.kind === kind).length;
    const kills = new Map<string, number>();
    for (const { event } of fired) {
      if (event.kind === 'kill') kills.set(event.process, (kills.get(event.process) ?? 0) + 1);
    }
    const deadBy = observed.batch.deadBy
      .map(({ stage, reason, count: n }) => `${stage}/${reason} ${n}`)
      .join(', ');
    lines.push(
      `| ${name} | ${observed.batch.total} | ${observed.batch.stored} | ${deadBy} | ` +
        `${[...kills].map(([process, n]) => `${process} ${n}`).join(', ')} | ${count('restart-broker')} | ` +
        `${count('database-outage')} | ${count('broker-node-outage')} | ${result.differences.lost.length} | ` +
        `${result.differences.duplicated.length} | ${result.differences.wrong.length} | ` +
        `${result.differences.extraDeadLetterCopies.length} | ` +
        `${result.durationSeconds.toFixed(0)} s |`,
    );
  }
  return lines.join('\n');
}

/**
 * The job records counted once more, apart from the tracker and on a connection of its own: tells a stuck count,
 * or a client that stopped answering, from records that are missing.
 */
async function countNow(pipeline: TestPipeline, batch: string): Promise<string> {
  const client = new MongoClient(pipeline.cliEnv.MONGO_URL ?? '', { serverSelectionTimeoutMS: 10_000 });
  try {
    const count = await withPatience(
      client.db(pipeline.cliEnv.MONGO_DB).collection(BATCH_COLLECTIONS.jobs).countDocuments({ batch }),
      10_000,
    );
    return `counted again now on a new connection: ${count}`;
  } catch (error) {
    return `counting again on a new connection failed: ${(error as Error).message}`;
  } finally {
    await client.close().catch(() => {});
  }
}
