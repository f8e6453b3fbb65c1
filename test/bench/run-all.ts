// `npm run bench`: every scenario of the pipeline's cost, one after another (never two at once: they share the
// cores), each measuring its own ceiling in the same run; then one Markdown table of all their rows.
//   npm run bench                                  (AMQP_URL / MONGO_URL / RABBITMQ_MANAGEMENT_URL from the environment)
//   BENCH_ONLY=end-to-end,latency npm run bench    (some scenarios; their own BENCH_* variables still apply)

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchResult, machine, markdownTable, RESULTS_DIR } from './results.ts';

interface Scenario {
  /** The name its JSON is written under (results.ts `scenario`). */
  name: string;
  script: string;
  /** Settings of this run of the script, under the caller's own. */
  env?: Record<string, string>;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'end-to-end', script: 'end-to-end.ts' },
  { name: 'latency', script: 'latency.ts' },
  { name: 'memory', script: 'memory.ts' },
  { name: 'writer-db-cost', script: 'writer-db-cost.ts' },
  // The demo API's pages: 8–30 paragraphs, about 27 KB of HTML at 19.
  { name: 'transform', script: 'transform.ts', env: { BENCH_TRANSFORM_PARAGRAPHS: '19' } },
  { name: 'messaging', script: 'messaging.ts' },
  { name: 'embed', script: 'embed.ts' },
  {
    name: 'fetch',
    script: 'fetch.ts',
    env: { BENCH_FETCH_CONCURRENCY: '500,1000', BENCH_FETCH_RATE_ROUNDS: '0' },
  },
];

const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `BENCH_ONLY names no scenario: ${unknown.join(', ')} (scenarios: ${SCENARIOS.map((s) => s.name).join(', ')})`,
  );
  process.exit(2);
}
const chosen = SCENARIOS.filter((scenario) => only === undefined || only.includes(scenario.name));

const results: BenchResult[] = [];
const failed: string[] = [];
for (const scenario of chosen) {
  console.log(`\n## ${scenario.name}\n`);
  const code = await runScript(scenario);
  if (code !== 0) {
    failed.push(`${scenario.name} (exit ${code})`);
    continue;
  }
  results.push(JSON.parse(await readFile(join(RESULTS_DIR, `${scenario.name}.json`), 'utf8')) as BenchResult);
}

const host = machine();
console.log(
  `\n# Results (${new Date().toISOString().slice(0, 10)}; ${host.cpus} cores, ${host.cpuModel}, ` +
    `${host.memoryGiB} GiB, Node ${host.node})\n`,
);
console.log(markdownTable(results.flatMap((result) => result.rows)));
console.log(`\nJSON per scenario in ${RESULTS_DIR}/`);
if (failed.length > 0) {
  console.error(`\nscenarios that failed: ${failed.join(', ')}`);
  process.exit(1);
}

function runScript(scenario: Scenario): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, scenario.script)], {
      env: { ...scenario.env, ...process.env },
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
