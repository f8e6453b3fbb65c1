import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of the launcher's processes while a run goes on, each run of each process (a pid) on its own
 * series. A process's memory is its whole process group's (a transformer and its workers): the launcher starts
 * each service in a group of its own.
 */

export interface RssSample {
  atMs: number;
  bytes: number;
}

export interface ProcessRun {
  name: string;
  pid: number;
  samples: RssSample[];
}

export interface MemoryTrend {
  name: string;
  pid: number;
  seconds: number;
  firstThirdMb: number;
  lastThirdMb: number;
  peakMb: number;
  rising: boolean;
}

/**
 * A rise worth failing on: after a run's warm-up (a new process loads its code, a transformer's workers their
 * tokenizer), the last third of its samples above the first third by both the ratio and the megabytes. Runs
 * shorter than the warm-up plus `minimumSeconds` are not judged.
 */
export const RISING = { ratio: 1.5, megabytes: 64, warmupSeconds: 15, minimumSeconds: 30 } as const;

export class RssSampler {
  readonly #runs = new Map<number, ProcessRun>();
  readonly #timer: NodeJS.Timeout;

  constructor(processes: () => readonly { name: string; pid: number | undefined }[], intervalMs = 1_000) {
    this.#timer = setInterval(() => {
      const groups = processGroupRss();
      const atMs = Date.now();
      for (const { name, pid } of processes()) {
        if (pid === undefined) continue;
        const bytes = groups.get(pid);
        if (bytes === undefined) continue;
        let run = this.#runs.get(pid);
        if (!run) {
          run = { name, pid, samples: [] };
          this.#runs.set(pid, run);
        }
        run.samples.push({ atMs, bytes });
      }
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Per process name: the trend of its longest run (after its warm-up), which says most about a leak. */
  trends(): MemoryTrend[] {
    const longest = new Map<string, ProcessRun>();
    for (const run of this.#runs.values()) {
      const current = longest.get(run.name);
      if (!current || run.samples.length > current.samples.length) longest.set(run.name, run);
    }
    return [...longest.values()].map(trendOf).sort((a, b) => a.name.localeCompare(b.name));
  }
}

export function trendOf(run: ProcessRun): MemoryTrend {
  const startedMs = run.samples[0]?.atMs ?? 0;
  const samples = run.samples.filter((sample) => sample.atMs - startedMs >= RISING.warmupSeconds * 1000);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const firstThird = median(samples.slice(0, third).map((sample) => sample.bytes));
  const lastThird = median(samples.slice(-third).map((sample) => sample.bytes));
  const seconds = samples.length < 2 ? 0 : ((samples.at(-1)?.atMs ?? 0) - (samples[0]?.atMs ?? 0)) / 1000;
  return {
    name: run.name,
    pid: run.pid,
    seconds: Math.round(seconds),
    firstThirdMb: mb(firstThird),
    lastThirdMb: mb(lastThird),
    peakMb: mb(Math.max(0, ...run.samples.map((sample) => sample.bytes))),
    rising:
      seconds >= RISING.minimumSeconds &&
      lastThird > firstThird * RISING.ratio &&
      lastThird - firstThird > RISING.megabytes * 1024 * 1024,
  };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Resident bytes of every process group on the machine, by group id, from /proc. */
function processGroupRss(): Map<number, number> {
  const groups = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command's closing parenthesis: state, ppid, pgrp, … ; rss (in pages) is field 24.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const group = Number(fields[2]);
      const rssPages = Number(fields[21]);
      groups.set(group, (groups.get(group) ?? 0) + rssPages * PAGE_BYTES);
    } catch {
      // The process ended while being read.
    }
  }
  return groups;
}

const PAGE_BYTES = 4096;
