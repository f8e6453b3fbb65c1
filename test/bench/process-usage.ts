// CPU seconds and peak memory of labelled processes over a measured interval, from Linux's /proc, so that a
// benchmark says where the CPU went: which service, the broker, the database, the benchmark itself, and what
// other work on a shared machine took meanwhile.
import {
  allProcesses,
  clientPidsOf,
  commandLine,
  machineBusySeconds,
  type ProcessStat,
  procAvailable,
  threadTimes,
} from './proc-stat.ts';

/** A process to account for, with everything it started: a transformer's workers, a broker's helpers. */
export interface ProcessRoot {
  /** Roots may share a label (replicas of one service); their usage adds up. */
  label: string;
  pid: number;
}

/** A server the benchmark shares with whatever else runs here (the broker, the database), by its port. */
export interface SharedServer {
  label: string;
  port: number;
}

/** What a meter measures: the processes, and the servers whose other clients to name. */
export interface UsageTargets {
  roots: readonly ProcessRoot[];
  sharedServers: readonly SharedServer[];
}

export interface LabelUsage {
  cpuSeconds: number;
  /** The part of `cpuSeconds` spent in threads named `transform` (the transform threads, both pipeline and baseline). */
  transformThreadSeconds: number;
  /** The highest sum of resident memory of its processes, sampled every `sampleIntervalMs`. */
  peakRssMb: number;
}

export interface UsageReport {
  wallSeconds: number;
  /** CPU seconds the machine spent busy, all processes. */
  machineBusySeconds: number;
  /** Busy CPU seconds of processes under no label: other work on a shared machine. */
  otherSeconds: number;
  byLabel: Record<string, LabelUsage>;
  /**
   * By shared server: its local clients outside the measured processes, seen at the start or the end (pid and
   * command). Where there are any, the server's CPU is partly theirs.
   */
  otherClients: Record<string, string[]>;
}

/** The name worker threads that run transforms are given, in the transformer and in the baseline. */
export const TRANSFORM_THREAD_NAME = 'transform';

/** How much of another client's command line the report keeps: enough to recognise it. */
const COMMAND_CHARS = 120;

interface Snapshot {
  atMs: number;
  machineBusySeconds: number;
  cpuByLabel: Map<string, number>;
  transformByLabel: Map<string, number>;
}

/**
 * Measures the processes under each root between `start()` and `stop()`. A process counts for the nearest root
 * among itself and its ancestors, so a root's children are its own (the transformer's node:cluster workers) unless
 * they are roots themselves (the services the benchmark process starts are not the benchmark's). A child that
 * ends during the interval is not lost: its time moves to its parent's count of ended children, which is counted.
 */
export class ProcessUsageMeter {
  readonly #roots: readonly ProcessRoot[];
  readonly #servers: readonly SharedServer[];
  readonly #sampleIntervalMs: number;
  readonly #peakRss = new Map<string, number>();
  readonly #otherClients = new Map<string, Map<number, string>>();
  #start: Snapshot | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(targets: UsageTargets, options: { sampleIntervalMs?: number } = {}) {
    this.#roots = targets.roots;
    this.#servers = targets.sharedServers;
    this.#sampleIntervalMs = options.sampleIntervalMs ?? 500;
  }

  start(): void {
    if (!procAvailable()) return;
    this.#start = this.#snapshot();
    this.#timer = setInterval(() => this.#sampleRss(allProcesses()), this.#sampleIntervalMs);
    // A sample must never keep the benchmark alive after it failed.
    this.#timer.unref();
  }

  /** The usage since `start()`; undefined without /proc. */
  stop(): UsageReport | undefined {
    clearInterval(this.#timer);
    const from = this.#start;
    if (from === undefined) return undefined;
    const to = this.#snapshot();
    const byLabel: Record<string, LabelUsage> = {};
    for (const label of new Set(this.#roots.map((root) => root.label))) {
      byLabel[label] = {
        cpuSeconds: delta(from.cpuByLabel, to.cpuByLabel, label),
        transformThreadSeconds: delta(from.transformByLabel, to.transformByLabel, label),
        peakRssMb: Math.round((this.#peakRss.get(label) ?? 0) / 2 ** 20),
      };
    }
    const machine = to.machineBusySeconds - from.machineBusySeconds;
    const ours = Object.values(byLabel).reduce((sum, usage) => sum + usage.cpuSeconds, 0);
    return {
      wallSeconds: (to.atMs - from.atMs) / 1_000,
      machineBusySeconds: machine,
      otherSeconds: Math.max(0, machine - ours),
      byLabel,
      otherClients: Object.fromEntries(
        [...this.#otherClients].map(([label, clients]) => [
          label,
          [...clients].map(([pid, command]) => `${pid} ${command}`),
        ]),
      ),
    };
  }

  #snapshot(): Snapshot {
    const processes = allProcesses();
    const cpuByLabel = new Map<string, number>();
    const transformByLabel = new Map<string, number>();
    for (const [label, members] of this.#members(processes)) {
      let cpu = 0;
      let transform = 0;
      for (const stat of members) {
        cpu += stat.cpuSeconds + stat.endedChildrenCpuSeconds;
        for (const thread of threadTimes(stat.pid)) {
          if (thread.name === TRANSFORM_THREAD_NAME) transform += thread.seconds;
        }
      }
      cpuByLabel.set(label, cpu);
      transformByLabel.set(label, transform);
    }
    this.#sampleRss(processes);
    this.#noteOtherClients(processes);
    return {
      atMs: performance.now(),
      machineBusySeconds: machineBusySeconds(),
      cpuByLabel,
      transformByLabel,
    };
  }

  #sampleRss(processes: ReadonlyMap<number, ProcessStat>): void {
    for (const [label, members] of this.#members(processes)) {
      const bytes = members.reduce((sum, stat) => sum + stat.rssBytes, 0);
      if (bytes > (this.#peakRss.get(label) ?? 0)) this.#peakRss.set(label, bytes);
    }
  }

  #noteOtherClients(processes: ReadonlyMap<number, ProcessStat>): void {
    const measured = new Set([...this.#members(processes).values()].flat().map((stat) => stat.pid));
    for (const server of this.#servers) {
      const clients = this.#otherClients.get(server.label) ?? new Map<number, string>();
      for (const pid of clientPidsOf(server.port)) {
        if (!measured.has(pid)) clients.set(pid, commandLine(pid).slice(0, COMMAND_CHARS));
      }
      this.#otherClients.set(server.label, clients);
    }
  }

  /** The processes of each label: every process whose nearest root (itself or an ancestor) has that label. */
  #members(processes: ReadonlyMap<number, ProcessStat>): Map<string, ProcessStat[]> {
    const labelOf = new Map(this.#roots.map((root) => [root.pid, root.label]));
    const members = new Map<string, ProcessStat[]>();
    for (const stat of processes.values()) {
      let label: string | undefined;
      for (let pid: number | undefined = stat.pid; pid !== undefined && pid > 1; ) {
        label = labelOf.get(pid);
        if (label !== undefined) break;
        pid = processes.get(pid)?.ppid;
      }
      if (label === undefined) continue;
      const list = members.get(label) ?? [];
      list.push(stat);
      members.set(label, list);
    }
    return members;
  }
}

function delta(from: ReadonlyMap<string, number>, to: ReadonlyMap<string, number>, label: string): number {
  return Math.max(0, (to.get(label) ?? 0) - (from.get(label) ?? 0));
}
