// CPU accounting for the transform benchmark, from Linux's /proc: where the CPU time of a run went (the service's
// transform threads, the rest of the service, the broker, the benchmark itself, every other process), so that a
// result on a shared machine can be read against what the machine had to give. Returns undefined without /proc.
import { availableParallelism } from 'node:os';
import { machineBusySeconds, pidsByCommandLine, procAvailable, threadTimes } from './proc-stat.ts';

export interface CpuSnapshot {
  readonly atMs: number;
  /** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq) since boot. */
  readonly machineBusy: number;
  /** CPU seconds by label. */
  readonly byLabel: ReadonlyMap<string, number>;
}

export interface CpuUsage {
  readonly wallSeconds: number;
  readonly cores: number;
  /** CPU seconds the machine spent busy during the interval, all processes. */
  readonly machineBusy: number;
  readonly byLabel: ReadonlyMap<string, number>;
  /** Busy CPU seconds of processes under no label: other people's work on a shared machine. */
  readonly others: number;
}

/** The RabbitMQ node's pid when it runs on this machine (infra/local), found by its command line. */
export function localBrokerPid(): number | undefined {
  return procAvailable() ? pidsByCommandLine('beam.smp')[0] : undefined;
}

/**
 * CPU seconds of each labelled group of processes, all threads included; threads named `transform` (the
 * transformer's transform threads) of any group count under the label `transform threads` instead.
 */
export function cpuSnapshot(groups: Record<string, readonly number[]>): CpuSnapshot | undefined {
  if (!procAvailable()) return undefined;
  const byLabel = new Map<string, number>();
  const add = (label: string, seconds: number) => byLabel.set(label, (byLabel.get(label) ?? 0) + seconds);
  for (const [label, pids] of Object.entries(groups)) {
    for (const pid of pids) {
      for (const thread of threadTimes(pid))
        add(thread.name === 'transform' ? 'transform threads' : label, thread.seconds);
    }
  }
  return { atMs: performance.now(), machineBusy: machineBusySeconds(), byLabel };
}

export function cpuUsage(from: CpuSnapshot, to: CpuSnapshot): CpuUsage {
  const byLabel = new Map<string, number>();
  for (const [label, seconds] of to.byLabel) byLabel.set(label, seconds - (from.byLabel.get(label) ?? 0));
  const machineBusy = to.machineBusy - from.machineBusy;
  const ours = [...byLabel.values()].reduce((sum, seconds) => sum + seconds, 0);
  return {
    wallSeconds: (to.atMs - from.atMs) / 1_000,
    cores: availableParallelism(),
    machineBusy,
    byLabel,
    others: Math.max(0, machineBusy - ours),
  };
}
