/** A readiness check answers whether one part is ready; `detail` says why not. */
export type ReadinessCheck = () => boolean | { ready: boolean; detail?: string };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ready: boolean; detail?: string }>;
}

/** What a part needs to report its readiness: the small interface libraries depend on. */
export interface ReadinessChecks {
  addReadinessCheck(name: string, check: ReadinessCheck): void;
}

/**
 * A process's readiness: every registered check passes, and the process said it has started. A process that
 * registered no check is not ready: nothing could say it works. Served on `/readyz` by the health server, or
 * reported to a parent process by one that serves no HTTP.
 */
export class Readiness implements ReadinessChecks {
  readonly #checks = new Map<string, ReadinessCheck>();
  #started = false;

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
  }

  /** Called once the process's parts have started; until then it is not ready. */
  markStarted(): void {
    this.#started = true;
  }

  report(): ReadinessReport {
    const checks: ReadinessReport['checks'] = {};
    let ready = this.#started && this.#checks.size > 0;
    for (const [name, check] of this.#checks) {
      let result: { ready: boolean; detail?: string };
      try {
        const answer = check();
        result = typeof answer === 'boolean' ? { ready: answer } : answer;
      } catch (err) {
        result = { ready: false, detail: err instanceof Error ? err.message : String(err) };
      }
      checks[name] = result;
      ready &&= result.ready;
    }
    if (!this.#started) checks.started = { ready: false, detail: 'starting' };
    if (this.#checks.size === 0) checks.checks = { ready: false, detail: 'no readiness check registered' };
    return { ready, checks };
  }
}
