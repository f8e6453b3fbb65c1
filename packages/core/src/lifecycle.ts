import type { Logger } from 'pino';
import { ShutdownTimeoutError } from './errors.ts';

/**
 * The phases of every shutdown, in the order they run; declared here once, so the order of a process's shutdown
 * reads in one place whatever order its parts were built in:
 * - `stop-intake`: take no new work (consumers cancel, the fetcher starts no request, the writer writes each
 *   arrival at once);
 * - `settle`: let the work in flight finish (handlers publish their output and ack);
 * - `flush`: make what is buffered durable (publishes wait for their confirms);
 * - `close`: close threads, clients, connections and servers.
 */
export const SHUTDOWN_PHASES = ['stop-intake', 'settle', 'flush', 'close'] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

export type LifecycleState = 'running' | 'stopping' | 'stopped';

/** What a part needs to take part in shutdown: the small interface libraries depend on. */
export interface ShutdownSteps {
  /** Registers `close` to run in `phase`; within a phase, parts run in reverse order of registration. */
  add(phase: ShutdownPhase, name: string, close: () => Promise<void> | void): void;
}

export interface LifecycleOptions {
  logger: Logger;
  /** How long the whole shutdown may take before the process is forced out. */
  gracePeriodMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Signals received and left alone (logged at debug) instead of ending the process by default. */
  ignoreSignals?: readonly NodeJS.Signals[];
  /** Injected so tests can observe the exit code; defaults to process.exit. */
  exit?: (code: number) => void;
}

interface Part {
  phase: ShutdownPhase;
  name: string;
  close: () => Promise<void> | void;
}

/**
 * The one owner of process signals. On SIGTERM or SIGINT the registered parts run phase by phase
 * (`SHUTDOWN_PHASES`), one at a time, within a phase in reverse order of registration (a connection registered
 * before its users closes after them). A second signal, or the grace period running out, forces the process out
 * with a non-zero code.
 */
export class Lifecycle implements ShutdownSteps {
  #state: LifecycleState = 'running';
  readonly #parts: Part[] = [];
  readonly #options: Required<LifecycleOptions>;
  #shutdown: Promise<number> | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal);
  readonly #onIgnoredSignal = (signal: NodeJS.Signals) =>
    this.#options.logger.debug({ signal }, 'signal left to another process');

  constructor(options: LifecycleOptions) {
    this.#options = {
      signals: ['SIGTERM', 'SIGINT'],
      ignoreSignals: [],
      exit: (code) => process.exit(code),
      ...options,
    };
  }

  get state(): LifecycleState {
    return this.#state;
  }

  add(phase: ShutdownPhase, name: string, close: () => Promise<void> | void): void {
    this.#parts.push({ phase, name, close });
  }

  installSignalHandlers(): void {
    for (const signal of this.#options.signals) process.on(signal, this.#onSignal);
    for (const signal of this.#options.ignoreSignals) process.on(signal, this.#onIgnoredSignal);
  }

  /** A crash anywhere is logged with its cause and turns into an orderly shutdown with a non-zero code. */
  installCrashHandlers(): void {
    const crash = (err: unknown) => {
      this.#options.logger.fatal({ err }, 'uncaught error');
      void this.shutdown('crash').then(() => this.#options.exit(1));
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
  }

  removeSignalHandlers(): void {
    for (const signal of this.#options.signals) process.off(signal, this.#onSignal);
    for (const signal of this.#options.ignoreSignals) process.off(signal, this.#onIgnoredSignal);
  }

  /**
   * Runs every part, phase by phase. Resolves with the exit code: 0 when all closed in time, 1 when a part
   * failed or the grace period ran out. Calling it again returns the same shutdown.
   */
  shutdown(reason: string): Promise<number> {
    this.#shutdown ??= this.#runShutdown(reason);
    return this.#shutdown;
  }

  #handleSignal(signal: NodeJS.Signals): void {
    if (this.#state !== 'running') {
      this.#options.logger.warn({ signal }, 'second signal during shutdown: forcing exit');
      this.#options.exit(1);
      return;
    }
    void this.shutdown(signal).then((code) => this.#options.exit(code));
  }

  /** The parts in the order they run. */
  #ordered(): Part[] {
    return SHUTDOWN_PHASES.flatMap((phase) => this.#parts.filter((part) => part.phase === phase).reverse());
  }

  async #runShutdown(reason: string): Promise<number> {
    const { logger, gracePeriodMs } = this.#options;
    this.#state = 'stopping';
    logger.info({ reason, gracePeriodMs }, 'shutting down');
    const ordered = this.#ordered();
    const pending = new Set(ordered.map((part) => `${part.phase}:${part.name}`));
    let failed = false;
    const closeAll = async () => {
      for (const part of ordered) {
        try {
          await part.close();
          logger.debug({ phase: part.phase, part: part.name }, 'closed');
        } catch (err) {
          failed = true;
          logger.error({ err, phase: part.phase, part: part.name }, 'part failed to close');
        }
        pending.delete(`${part.phase}:${part.name}`);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), gracePeriodMs);
    });
    const outcome = await Promise.race([closeAll().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    this.#state = 'stopped';
    if (outcome === 'timeout') {
      logger.error({ err: new ShutdownTimeoutError([...pending], gracePeriodMs) }, 'shutdown timed out');
      return 1;
    }
    logger.info({ failed }, 'shutdown complete');
    return failed ? 1 : 0;
  }
}
