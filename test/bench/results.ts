// One result shape for every benchmark scenario: each writes bench-results/<scenario>.json and prints its rows as a
// Markdown table; `npm run bench` (run-all.ts) runs the scenarios one after another and prints every row at the end.

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? 'bench-results';

/** One measured figure, with the ceiling it was measured against in the same run and the goal it is held to. */
export interface BenchRow {
  /** What was measured, e.g. "20,000 JSON records end to end". */
  name: string;
  /** The figure, e.g. "1,234 records/s". */
  result: string;
  /** The ceiling or baseline measured in the same run, e.g. "in-process baseline 1,500 records/s". */
  ceiling?: string;
  /** result / ceiling, or whatever ratio the goal is stated in. */
  ratio?: number;
  /** The goal, as the issue states it, e.g. "≥ 0.7×". */
  goal?: string;
  /** Whether the goal is met; absent when there is no goal. */
  met?: boolean;
}

export interface BenchResult {
  scenario: string;
  /** The command that produced it. */
  command: string;
  startedAt: string;
  seconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  rows: BenchRow[];
  /** Everything else the scenario measured (per-process CPU seconds, samples, settings), for the JSON only. */
  details: Record<string, unknown>;
}

export function machine(): BenchResult['machine'] {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Writes the scenario's JSON and prints its table; returns the file written. */
export async function report(result: Omit<BenchResult, 'machine'>): Promise<string> {
  const full: BenchResult = { ...result, machine: machine() };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.scenario}.json`);
  await writeFile(file, `${JSON.stringify(full, null, 2)}\n`);
  console.log(`\n${markdownTable(full.rows)}\n\n(${file}; ${result.command})`);
  return file;
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| measured | result | ceiling / baseline (same run) | ratio | goal |',
    '|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const goal =
      row.goal === undefined
        ? ''
        : `${row.goal}${row.met === undefined ? '' : row.met ? ': met' : ': not met'}`;
    const ratio = row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`;
    lines.push(`| ${row.name} | ${row.result} | ${row.ceiling ?? ''} | ${ratio} | ${goal} |`);
  }
  return lines.join('\n');
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** The value at quantile q (0..1) of `values`, nearest rank. */
export const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
};

export const formatNumber = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
