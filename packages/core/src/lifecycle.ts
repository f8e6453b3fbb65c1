import type { Logger } from 'pino';
import { ShutdownTimeoutError } from './errors.ts';

export type LifecycleState = 'running' | 'stopping' | 'stopped';

export interface LifecycleOptions {
  logger: Logger;
  /** How long the whole ordered shutdown may take before the process is forced out. */
  gracePeriodMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Injected so tests can observe the exit code; defaults to process.exit. */
  exit?: (code: number) => void;
}

interface Part {
  name: string;
  close: () => Promise<void> | void;
}

/**
 * The one owner of process signals. Parts register a close function as they start; on SIGTERM or SIGINT they
 * are closed one after another in reverse order of registration (the consumer registered last stops first,
 * the connection registered first closes last). A second signal, or the grace period running out, forces
 * the process out with a non-zero code.
 */
export class Lifecycle {
  #state: LifecycleState = 'running';
  readonly #parts: Part[] = [];
  readonly #options: Required<LifecycleOptions>;
  #shutdown: Promise<number> | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal);

  constructor(options: LifecycleOptions) {
    this.#options = {
      signals: ['SIGTERM', 'SIGINT'],
      exit: (code) => process.exit(code),
      ...options,
    };
  }

  get state(): LifecycleState {
    return this.#state;
  }

  /** Registers a part to close on shutdown; parts close in reverse order of registration. */
  add(name: string, close: () => Promise<void> | void): void {
    this.#parts.push({ name, close });
  }

  installSignalHandlers(): void {
    for (const signal of this.#options.signals) process.on(signal, this.#onSignal);
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
  }

  /**
   * Closes every part in order. Resolves with the exit code: 0 when all closed in time, 1 when a part failed
   * or the grace period ran out. Calling it again returns the same shutdown.
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

  async #runShutdown(reason: string): Promise<number> {
    const { logger, gracePeriodMs } = this.#options;
    this.#state = 'stopping';
    logger.info({ reason, gracePeriodMs }, 'shutting down');
    const pending = new Set(this.#parts.map((p) => p.name));
    let failed = false;
    const closeAll = async () => {
      for (const part of [...this.#parts].reverse()) {
        try {
          await part.close();
          logger.debug({ part: part.name }, 'closed');
        } catch (err) {
          failed = true;
          logger.error({ err, part: part.name }, 'part failed to close');
        }
        pending.delete(part.name);
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
