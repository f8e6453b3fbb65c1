// CPU accounting for the transform benchmark, from Linux's /proc: where the CPU time of a run went (the service's
// transform threads, the rest of the service, the broker, the benchmark itself, every other process), so that a
// result on a shared machine can be read against what the machine had to give. Returns undefined without /proc.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICKS_PER_SECOND = 100;

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
  if (!existsSync('/proc')) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('beam.smp')) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

/**
 * CPU seconds of each labelled group of processes, all threads included; threads named `transform` (the
 * transformer's transform threads) of any group count under the label `transform threads` instead.
 */
export function cpuSnapshot(groups: Record<string, readonly number[]>): CpuSnapshot | undefined {
  if (!existsSync('/proc/stat')) return undefined;
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

function threadTimes(pid: number): { name: string; seconds: number }[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // Fields 14 and 15 of stat (utime, stime), counted here from field 3.
        return [{ name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND }];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

function machineBusySeconds(): number {
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = (
    readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  )
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
}
