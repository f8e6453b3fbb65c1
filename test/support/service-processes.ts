import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'fetcher' | 'transformer' | 'writer' | 'demo-api';

export interface ServiceProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they arrived, for failure messages. */
  output(): string;
  /** The JSON log lines written to stdout so far. */
  logLines(): Record<string, unknown>[];
}

/** Where a service's entry point is, as `node <path>` runs it in production. */
export function serviceMain(service: ServiceName): string {
  return fileURLToPath(new URL(`../../services/${service}/src/main.ts`, import.meta.url));
}

/**
 * Services run as real child processes (`node services/<name>/src/main.ts` with an environment), their output
 * collected; `killAll()` in an `afterEach` makes sure none outlives its test.
 */
export class ServiceProcesses {
  readonly #children: ChildProcess[] = [];

  start(service: ServiceName, env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [serviceMain(service)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      output += chunk.toString();
    });
    return {
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      output: () => output,
      logLines: () =>
        stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  }

  /** SIGKILLs every process still running and waits for it to exit. */
  async killAll(): Promise<void> {
    for (const child of this.#children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  }
}
