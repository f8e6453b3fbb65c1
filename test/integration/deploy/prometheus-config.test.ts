import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The compose stack's Prometheus configuration and alert rules, checked by Prometheus's own tool (Debian's
 * `prometheus` package brings promtool); the live check of the rules is test/e2e/observability.test.ts.
 */

const file = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new Error(
      `promtool is not installed (Debian package prometheus: bash infra/local/tools.sh prometheus): ${run.error.message}`,
    );
  }
  return run;
}

describe('infra/prometheus', () => {
  it('is a valid Prometheus configuration, its rule file included', () => {
    const run = promtool('check', 'config', file('infra/prometheus/prometheus.yml'));
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  });

  it('has alert rules promtool accepts', () => {
    const run = promtool('check', 'rules', file('infra/prometheus/alerts.yml'));
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
