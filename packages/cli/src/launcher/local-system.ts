import { EventEmitter } from 'node:events';
import type { Logger } from '@tributary/core';
import { LaunchError } from './errors.ts';
import { type Endpoints, LocalInfrastructure } from './local-infrastructure.ts';
import { LogTail } from './log-tail.ts';
import {
  type LocalSystemOptions,
  type ResolvedLocalSystemOptions,
  resolveLocalSystemOptions,
} from './options.ts';
import { busyPorts } from './port-check.ts';
import { type ProcessSpec, planProcesses, stopOrder } from './process-plan.ts';
import { waitUntilReady } from './readiness-probe.ts';
import { serviceMainPath } from './repo-paths.ts';
import { decideRestart } from './restart-policy.ts';
import { bindHost, probeHost, serviceEnv } from './service-env.ts';
import { type ProcessExit, ServiceProcess } from './service-process.ts';

export type SystemState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
export type ProcessState = 'starting' | 'running' | 'restarting' | 'stopping' | 'exited' | 'failed';

/** One process of the running system. */
export interface ProcessInfo {
  name: string;
  service: ProcessSpec['service'];
  /** Undefined while it is not running. */
  pid: number | undefined;
  /** Its `/metrics`, `/healthz`, `/readyz` port (for the demo API, its content port). */
  httpPort: number;
  metricsUrl: string;
  readyUrl: string;
  state: ProcessState;
  /** How often it was started again after it died on its own. */
  restarts: number;
}

export interface RunningSystem {
  processes: ProcessInfo[];
  endpoints: Endpoints;
  /** The demo API's base URL (`http://127.0.0.1:8080`); undefined when it does not run. */
  demoApiUrl: string | undefined;
}

/** A process that exited without being asked to. */
export interface UnexpectedExit extends ProcessExit {
  name: string;
  pid: number | undefined;
  lastLines: string[];
  /** What the launcher does about it. */
  action: 'restart' | 'give-up' | 'none';
  /** With `restart`: when. */
  delayMs?: number;
}

export interface StopResult {
  /** True when every process exited within the grace period. */
  clean: boolean;
  /** The processes that had to be killed. */
  forced: string[];
}

/** The events of a running system; an `exit` is followed by `restarted` or, when it keeps dying, `failed`. */
export type LocalSystemEvents = {
  exit: [UnexpectedExit];
  restarted: [ProcessInfo];
  failed: [LaunchError];
};

interface Entry {
  readonly spec: ProcessSpec;
  readonly readyUrl: string;
  readonly metricsUrl: string;
  readonly tail: LogTail;
  env: Record<string, string>;
  current: ServiceProcess | undefined;
  state: ProcessState;
  restarts: number;
  /** Times of its deaths within the restart window. */
  exits: number[];
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * The whole system on one machine, as `tributary up` runs it and as whole-system tests start it: the broker
 * and database (the environment's, or infra/local's), the demo API, and each replica of each stage as a
 * process of its own. A process that dies on its own is reported and restarted with backoff (see
 * restart-policy.ts); `stop()` stops the services in pipeline order, then the servers this run started.
 *
 * ```ts
 * const system = new LocalSystem({ env: { ...process.env, AMQP_URL, MONGO_URL, MONGO_DB }, fetchers: 2 });
 * const { processes } = await system.start();
 * system.kill('fetcher-1', 'SIGKILL');
 * await system.waitUntilReady('fetcher-1');
 * await system.stop();
 * ```
 */
export class LocalSystem extends EventEmitter<LocalSystemEvents> {
  readonly #options: ResolvedLocalSystemOptions;
  readonly #logger: Logger;
  readonly #infra: LocalInfrastructure;
  readonly #abort = new AbortController();
  readonly #entries = new Map<string, Entry>();
  /** Runs that were asked to stop: their exit is no failure. */
  readonly #stopRequested = new WeakSet<ServiceProcess>();
  /** Processes forceStop() killed. */
  readonly #killed = new Set<string>();
  #state: SystemState = 'idle';
  #starting: Promise<RunningSystem> | undefined;
  #stopping: Promise<StopResult> | undefined;
  #endpoints: Endpoints | undefined;

  constructor(options: LocalSystemOptions = {}) {
    super();
    this.#options = resolveLocalSystemOptions(options);
    this.#logger = this.#options.logger;
    this.#infra = new LocalInfrastructure({
      env: this.#options.env,
      logger: this.#logger,
      onLine: (line, level) => this.#options.onLine('infra', line, level),
    });
    for (const spec of this.#plan()) {
      const host = probeHost(bindHost(spec, this.#options.env));
      this.#entries.set(spec.name, {
        spec,
        readyUrl: `http://${host}:${spec.port}${spec.readyPath}`,
        metricsUrl: `http://${host}:${spec.port}/metrics`,
        tail: new LogTail(),
        env: {},
        current: undefined,
        state: 'starting',
        restarts: 0,
        exits: [],
        restartTimer: undefined,
      });
    }
  }

  get state(): SystemState {
    return this.#state;
  }

  /** The broker and database in use; undefined before `start()` found them. */
  get endpoints(): Endpoints | undefined {
    return this.#endpoints;
  }

  /** The names of the processes, in pipeline order, known before `start()`. */
  get processNames(): string[] {
    return [...this.#entries.keys()];
  }

  get demoApiUrl(): string | undefined {
    const demo = this.#entries.get('demo-api');
    return demo ? new URL(demo.readyUrl).origin : undefined;
  }

  /** Whether infra/local's servers were started by this system (and are stopped with it). */
  get startedInfrastructure(): boolean {
    return this.#infra.startedServers.length > 0;
  }

  /**
   * Starts everything and resolves once every process answers its readiness endpoint with 200. On failure
   * everything started so far is stopped again and the LaunchError says which process failed and how.
   */
  async start(): Promise<RunningSystem> {
    if (this.#state !== 'idle') throw new Error(`LocalSystem.start() called while ${this.#state}`);
    this.#state = 'starting';
    this.#starting = this.#start();
    try {
      const running = await this.#starting;
      if (this.#state === 'starting') this.#state = 'running';
      return running;
    } catch (err) {
      await this.stop();
      if (err instanceof LaunchError) throw err;
      if (this.#abort.signal.aborted) {
        throw new LaunchError('stopped', 'the system was stopped while it was starting', { cause: err });
      }
      throw err;
    }
  }

  processes(): ProcessInfo[] {
    return [...this.#entries.values()].map((entry) => this.#info(entry));
  }

  /**
   * Sends `signal` to one process, as a crash or an operator would (the process alone, not its group). An
   * exit it causes is unexpected to the launcher: reported, then restarted by the restart policy.
   */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const entry = this.#entry(name);
    if (!entry.current?.signal(signal)) throw new Error(`${name} is not running`);
  }

  /** Stops one process gracefully and starts it again; resolves when it is ready. Not counted as a death. */
  async restart(name: string): Promise<ProcessInfo> {
    const entry = this.#entry(name);
    if (this.#state !== 'running') throw new Error(`LocalSystem.restart() called while ${this.#state}`);
    clearTimeout(entry.restartTimer);
    entry.restartTimer = undefined;
    const previous = entry.current;
    if (previous) {
      this.#stopRequested.add(previous);
      entry.state = 'stopping';
      await previous.stop(Date.now() + this.#options.gracePeriodMs);
    }
    this.#spawn(entry);
    await this.#waitReady(entry);
    this.#logger.info({ processName: name, pid: entry.current?.pid }, 'process restarted');
    return this.#info(entry);
  }

  /**
   * Resolves when the process (or every process) answers its readiness endpoint with 200, restarts included.
   */
  async waitUntilReady(name?: string, timeoutMs = this.#options.readyTimeoutMs): Promise<void> {
    const entries = name === undefined ? [...this.#entries.values()] : [this.#entry(name)];
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      entries.map(async (entry) => {
        for (;;) {
          const result = await waitUntilReady(entry.readyUrl, {
            timeoutMs: Math.max(0, deadline - Date.now()),
            signal: this.#abort.signal,
          });
          if (result.outcome === 'ready' && entry.current?.running) return;
          if (Date.now() >= deadline) {
            throw new LaunchError('not-ready', this.#notReadyMessage(entry, timeoutMs, 'not running'), {
              processName: entry.spec.name,
              lastLines: entry.tail.lines(),
            });
          }
        }
      }),
    );
  }

  /**
   * Stops everything this system started: SIGTERM to each stage in pipeline order (fetchers first, the demo
   * API last), each stage waited for before the next, SIGKILL to whatever is left when the grace period is
   * over; then the infra/local servers it started. Idempotent: every call returns the same result.
   */
  stop(): Promise<StopResult> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /**
   * SIGKILL to every process (and its group) now: the second Ctrl-C. A `stop()` under way then ends quickly.
   */
  forceStop(): void {
    this.#abort.abort(new LaunchError('stopped', 'the system was forced to stop'));
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.restartTimer);
      if (entry.current?.running) {
        this.#stopRequested.add(entry.current);
        this.#killed.add(entry.spec.name);
        entry.current.kill();
      }
    }
  }

  #plan(): ProcessSpec[] {
    const options = this.#options;
    return planProcesses({
      fetchers: options.fetchers,
      transformers: options.transformers,
      embedders: options.embedders,
      writers: options.writers,
      demoApi: options.demoApi,
      demoPort: options.demoPort,
      httpPortBase: options.httpPortBase,
    });
  }

  async #start(): Promise<RunningSystem> {
    const signal = this.#abort.signal;
    const entries = [...this.#entries.values()];
    await this.#checkPorts(entries);
    const endpoints = await this.#infra.start(signal);
    signal.throwIfAborted();
    this.#endpoints = endpoints;
    const demo = this.#entries.get('demo-api');
    for (const entry of entries) {
      entry.env = serviceEnv(entry.spec, {
        base: this.#options.env,
        amqpUrl: endpoints.amqpUrl,
        mongoUrl: endpoints.mongoUrl,
        managementUrl: endpoints.managementUrl,
        demoHostPort: demo ? new URL(demo.readyUrl).host : undefined,
        transformWorkers: this.#options.transformWorkers,
        embed: this.#options.embedders > 0,
      });
    }
    for (const entry of entries) this.#spawn(entry);
    await Promise.all(entries.map((entry) => this.#waitReady(entry)));
    const processes = this.processes();
    this.#logger.info(
      { processes: processes.map(({ name, pid, httpPort }) => ({ name, pid, httpPort })) },
      'every process is ready',
    );
    return { processes, endpoints, demoApiUrl: this.demoApiUrl };
  }

  async #checkPorts(entries: readonly Entry[]): Promise<void> {
    const targets = entries.map((entry) => ({
      entry,
      port: entry.spec.port,
      host: bindHost(entry.spec, this.#options.env),
    }));
    const busy = await busyPorts(targets);
    if (busy.length === 0) return;
    const list = busy.map(({ entry, host, port }) => `${host}:${port} (${entry.spec.name})`).join(', ');
    throw new LaunchError(
      'port-in-use',
      `port${busy.length > 1 ? 's' : ''} already in use: ${list}. Stop what listens there, or choose ` +
        'other ports (--http-port-base, --demo-port).',
    );
  }

  #spawn(entry: Entry): void {
    const { name } = entry.spec;
    const run = new ServiceProcess({
      name,
      command: this.#options.nodePath,
      args: [serviceMainPath(entry.spec.service)],
      env: entry.env,
      cwd: this.#options.cwd,
      onLine: (line, textLevel) => {
        entry.tail.push(line);
        this.#options.onLine(name, line, textLevel);
      },
    });
    entry.current = run;
    entry.state = 'starting';
    this.#logger.info({ processName: name, pid: run.pid, httpPort: entry.spec.port }, 'process started');
    void run.exited.then((exit) => this.#onExit(entry, run, exit));
  }

  /** Waits until the entry's current run is ready; a LaunchError when it exits first or the time is up. */
  async #waitReady(entry: Entry): Promise<void> {
    const run = entry.current;
    const timeoutMs = this.#options.readyTimeoutMs;
    const result = await waitUntilReady(entry.readyUrl, {
      timeoutMs,
      signal: this.#abort.signal,
      gone: () => !run?.running,
    });
    const { name } = entry.spec;
    if (result.outcome === 'ready') {
      entry.state = 'running';
      this.#logger.debug({ processName: name }, 'process ready');
      return;
    }
    if (result.outcome === 'gone') {
      const exit = run ? await run.exited : { code: null, signal: null };
      throw new LaunchError('process-exited', `${name} exited (${describeExit(exit)}) before it was ready`, {
        processName: name,
        lastLines: entry.tail.lines(),
      });
    }
    throw new LaunchError('not-ready', this.#notReadyMessage(entry, timeoutMs, result.lastAnswer), {
      processName: name,
      lastLines: entry.tail.lines(),
    });
  }

  #notReadyMessage(entry: Entry, timeoutMs: number, lastAnswer: string): string {
    return (
      `${entry.spec.name} did not answer ${entry.readyUrl} with 200 within ` +
      `${Math.round(timeoutMs / 1000)} s (last answer: ${lastAnswer})`
    );
  }

  #onExit(entry: Entry, run: ServiceProcess, exit: ProcessExit): void {
    if (entry.current !== run) return;
    const { name } = entry.spec;
    const expected = this.#stopRequested.has(run) || this.#state === 'stopping' || this.#state === 'stopped';
    entry.state = 'exited';
    if (expected) {
      this.#logger.info({ processName: name, pid: run.pid, ...exit }, 'process exited');
      return;
    }
    // While starting, the readiness wait reports it and the start fails.
    if (this.#state !== 'running') return;
    const policy = this.#options.restart;
    const decision = policy ? decideRestart(entry.exits, exit.code, Date.now(), policy) : undefined;
    entry.exits = decision?.recentExits ?? [];
    const lastLines = entry.tail.lines();
    const report: UnexpectedExit = {
      name,
      pid: run.pid,
      ...exit,
      lastLines,
      action: decision?.action ?? 'none',
      ...(decision?.action === 'restart' ? { delayMs: decision.delayMs } : {}),
    };
    this.#logger.error(
      { processName: name, pid: run.pid, ...exit, lastLines },
      `${name} exited unexpectedly (${describeExit(exit)})`,
    );
    this.emit('exit', report);
    if (decision?.action === 'restart') {
      entry.state = 'restarting';
      this.#logger.warn(
        { processName: name, delayMs: decision.delayMs, restart: entry.restarts + 1 },
        `restarting ${name} in ${formatSeconds(decision.delayMs)}`,
      );
      entry.restartTimer = setTimeout(() => {
        entry.restartTimer = undefined;
        void this.#restartAfterDeath(entry);
      }, decision.delayMs);
    } else if (decision?.action === 'give-up') {
      entry.state = 'failed';
      const windowMs = policy ? policy.windowMs : 0;
      const why =
        decision.why === 'invalid-configuration'
          ? 'its configuration is invalid (exit code 2), which a restart cannot mend'
          : `it died ${decision.recentExits.length} times within ${formatSeconds(windowMs)}`;
      const error = new LaunchError('process-failed', `${name} is not restarted again: ${why}`, {
        processName: name,
        lastLines,
      });
      this.#logger.error({ processName: name }, error.message);
      this.emit('failed', error);
    }
  }

  async #restartAfterDeath(entry: Entry): Promise<void> {
    if (this.#state !== 'running') return;
    entry.restarts++;
    this.#spawn(entry);
    try {
      await this.#waitReady(entry);
      const info = this.#info(entry);
      this.#logger.info(
        { processName: info.name, pid: info.pid, restarts: info.restarts },
        'process restarted',
      );
      this.emit('restarted', info);
    } catch (err) {
      // A run that exits again is reported by #onExit; one that hangs unready is only reported here.
      if (err instanceof LaunchError && err.reason === 'not-ready') {
        this.#logger.warn({ processName: entry.spec.name, lastLines: err.lastLines }, err.message);
      }
    }
  }

  async #stop(): Promise<StopResult> {
    const previous = this.#state;
    this.#state = 'stopping';
    this.#abort.abort(new LaunchError('stopped', 'the system is stopping'));
    await this.#starting?.catch(() => {});
    const forced: string[] = [];
    if (previous !== 'idle') {
      for (const entry of this.#entries.values()) {
        clearTimeout(entry.restartTimer);
        entry.restartTimer = undefined;
      }
      const deadline = Date.now() + this.#options.gracePeriodMs;
      for (const group of stopOrder([...this.#entries.values()], (entry) => entry.spec.service)) {
        const running = group.filter((entry) => entry.current?.running);
        if (running.length === 0) continue;
        this.#logger.info({ processNames: running.map((entry) => entry.spec.name) }, 'stopping');
        await Promise.all(
          running.map(async (entry) => {
            const run = entry.current;
            if (!run) return;
            this.#stopRequested.add(run);
            const { forced: killed } = await run.stop(deadline);
            if (killed) {
              forced.push(entry.spec.name);
              this.#logger.warn(
                { processName: entry.spec.name, gracePeriodMs: this.#options.gracePeriodMs },
                'did not stop within the grace period; killed',
              );
            }
          }),
        );
      }
      await this.#infra.stop();
    }
    this.#state = 'stopped';
    for (const name of this.#killed) if (!forced.includes(name)) forced.push(name);
    this.#logger.info({ forced }, 'stopped');
    return { clean: forced.length === 0, forced };
  }

  #entry(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry)
      throw new Error(`no process named ${name}; the processes are ${this.processNames.join(', ')}`);
    return entry;
  }

  #info(entry: Entry): ProcessInfo {
    const running = entry.current?.running === true;
    return {
      name: entry.spec.name,
      service: entry.spec.service,
      pid: running ? entry.current?.pid : undefined,
      httpPort: entry.spec.port,
      metricsUrl: entry.metricsUrl,
      readyUrl: entry.readyUrl,
      state: entry.state,
      restarts: entry.restarts,
    };
  }
}

/** `exit code 1`, `signal SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'could not start' : `exit code ${exit.code}`;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
