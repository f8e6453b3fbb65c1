import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@tributary/core';
import type { SupervisorMetrics } from './metrics.ts';
import { inCrashLoop, planRestart, type RestartPolicy } from './restart-policy.ts';
import { isWorkerStatusMessage, WORKER_SLOT_ENV } from './worker-status.ts';

export interface WorkerSupervisorOptions {
  /** How many worker processes to keep running. */
  readonly workers: number;
  readonly policy: RestartPolicy;
  readonly logger: Logger;
  /** How long `stop()` waits for workers to drain before it kills them. */
  readonly stopTimeoutMs: number;
  /** Extra environment for every worker, over the primary's own. */
  readonly env?: Record<string, string>;
}

type SupervisorState = 'idle' | 'running' | 'stopping' | 'stopped';

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  detail: string;
  /** Times of this slot's recent deaths (restart policy). */
  exits: readonly number[];
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The primary's side of the worker processes: forks `workers` of them (node:cluster), replaces one that dies
 * after the restart policy's backoff, and notices a crash loop (logged at error level on every death while it
 * lasts, and failing readiness). Each worker reports whether it is ready over IPC. `stop()` sends every worker
 * SIGTERM, waits for them to drain and exit, and kills those still running at `stopTimeoutMs`.
 */
export class WorkerSupervisor {
  readonly #options: WorkerSupervisorOptions;
  readonly #slots: Slot[];
  #state: SupervisorState = 'idle';
  #metrics: SupervisorMetrics | undefined;
  readonly #exited = new Set<() => void>();

  constructor(options: WorkerSupervisorOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: undefined,
      ready: false,
      detail: 'starting',
      exits: [],
      restartTimer: undefined,
    }));
  }

  /** Counts restarts on these metrics from now on. */
  useMetrics(metrics: SupervisorMetrics): void {
    this.#metrics = metrics;
  }

  get workersRunning(): number {
    return this.#slots.filter((slot) => slot.worker !== undefined).length;
  }

  get workersReady(): number {
    return this.#slots.filter((slot) => slot.worker !== undefined && slot.ready).length;
  }

  /** Pids of the running workers, by slot. */
  get pids(): (number | undefined)[] {
    return this.#slots.map((slot) => slot.worker?.process.pid);
  }

  get crashLooping(): boolean {
    const now = Date.now();
    return this.#slots.some((slot) => inCrashLoop(slot.exits, now, this.#options.policy));
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    for (const slot of this.#slots) this.#fork(slot);
  }

  /**
   * Ready while running, at least one worker is ready, and no worker is in a crash loop. The detail says how many
   * are ready, with their pids, or which worker is crash-looping.
   */
  readiness(): { ready: boolean; detail: string } {
    const total = this.#slots.length;
    const ready = this.workersReady;
    const pids = this.pids.map((pid) => pid ?? '-').join(',');
    const now = Date.now();
    const looping = this.#slots.filter((slot) => inCrashLoop(slot.exits, now, this.#options.policy));
    if (this.#state !== 'running') return { ready: false, detail: this.#state };
    if (looping.length > 0) {
      const which = looping.map((slot) => slot.index).join(', ');
      return {
        ready: false,
        detail: `crash loop: worker ${which} died ${this.#options.policy.crashLoopRestarts}+ times within ${this.#options.policy.windowMs} ms; ${ready}/${total} ready; pids ${pids}`,
      };
    }
    const waiting = this.#slots
      .filter((slot) => !slot.ready)
      .map((slot) => `worker ${slot.index}: ${slot.detail}`);
    return {
      ready: ready > 0,
      detail: `${ready}/${total} ready; pids ${pids}${waiting.length > 0 ? `; ${waiting.join('; ')}` : ''}`,
    };
  }

  /** Drains every worker (SIGTERM), waiting up to `stopTimeoutMs`, then kills the rest; no restarts from now on. */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#state = 'stopping';
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
    const live = () => this.#slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]));
    const { logger, stopTimeoutMs } = this.#options;
    logger.info({ workers: live().length }, 'stopping workers');
    for (const worker of live()) worker.process.kill('SIGTERM');
    const drained = await this.#waitForExits(stopTimeoutMs);
    if (!drained) {
      const stuck = live();
      logger.error(
        { pids: stuck.map((worker) => worker.process.pid), stopTimeoutMs },
        'workers did not drain in time; killing them',
      );
      for (const worker of stuck) worker.process.kill('SIGKILL');
      await this.#waitForExits(5_000);
    }
    this.#state = 'stopped';
  }

  #fork(slot: Slot): void {
    const { logger } = this.#options;
    const worker = cluster.fork({ ...this.#options.env, [WORKER_SLOT_ENV]: String(slot.index) });
    slot.worker = worker;
    slot.ready = false;
    slot.detail = 'starting';
    const pid = worker.process.pid;
    logger.info({ slot: slot.index, pid }, 'worker forked');
    worker.on('message', (message: unknown) => {
      if (!isWorkerStatusMessage(message) || slot.worker !== worker) return;
      slot.ready = message.ready;
      slot.detail = message.ready ? 'ready' : message.detail || 'not ready';
      logger.info({ slot: slot.index, pid, ready: message.ready, detail: message.detail }, 'worker status');
    });
    worker.on('exit', (code, signal) => this.#onExit(slot, worker, code, signal));
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    slot.detail = 'exited';
    const { logger, policy } = this.#options;
    const pid = worker.process.pid;
    if (this.#state !== 'running') {
      logger.info({ slot: slot.index, pid, code, signal }, 'worker exited');
      for (const notify of this.#exited) notify();
      return;
    }
    const plan = planRestart(slot.exits, Date.now(), policy);
    slot.exits = plan.recentExits;
    slot.detail = `restarting in ${plan.delayMs} ms`;
    this.#metrics?.workerRestarts.inc();
    const fields = {
      slot: slot.index,
      pid,
      code,
      signal,
      delayMs: plan.delayMs,
      deaths: plan.recentExits.length,
    };
    if (plan.crashLoop) {
      logger.error(
        { ...fields, windowMs: policy.windowMs },
        `worker crash loop: worker ${slot.index} died ${plan.recentExits.length} times within ${policy.windowMs} ms; replacing it in ${plan.delayMs} ms`,
      );
    } else {
      logger.warn(fields, 'worker died; replacing it');
    }
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.#state === 'running') this.#fork(slot);
    }, plan.delayMs);
  }

  /** Resolves true once no worker runs, false at the timeout. */
  async #waitForExits(timeoutMs: number): Promise<boolean> {
    if (this.workersRunning === 0) return true;
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const check = () => {
      if (this.workersRunning === 0) resolve(true);
    };
    const timer = setTimeout(() => resolve(false), timeoutMs);
    this.#exited.add(check);
    try {
      return await promise;
    } finally {
      clearTimeout(timer);
      this.#exited.delete(check);
    }
  }
}
