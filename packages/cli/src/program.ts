import { Command, CommanderError } from 'commander';
import { CliError, EXIT, type ExitCode } from './cli-errors.ts';
import { registerBatch } from './commands/batch.ts';
import { registerDead } from './commands/dead.ts';
import { registerDemo } from './commands/demo.ts';
import { registerEnqueue } from './commands/enqueue.ts';
import { registerRefresh } from './commands/refresh.ts';
import { registerSearch } from './commands/search.ts';
import { registerStatus } from './commands/status.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerTopology } from './commands/topology.ts';
import { registerUp } from './commands/up.ts';

/** Builds the command tree; each command's action returns its exit code. */
export function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command('tributary')
    .description('Give Tributary work and follow it from the queue to MongoDB')
    .showHelpAfterError()
    .exitOverride();
  const run = async (action: () => Promise<ExitCode>) => {
    setExit(await action());
  };
  registerEnqueue(program, run);
  registerBatch(program, run);
  registerRefresh(program, run);
  registerSweep(program, run);
  registerStatus(program, run);
  registerSearch(program, run);
  registerDead(program, run);
  registerTopology(program, run);
  registerUp(program, run);
  registerDemo(program, run);
  return program;
}

/** Runs the command line; resolves with the process exit code (docs: 0 ok, 1 work failed, 2 usage, 3 unreachable). */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is a usage error (already printed).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`tributary: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
