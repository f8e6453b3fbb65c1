import type { Command } from 'commander';
import { EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openChannel } from '../connections.ts';

export function registerTopology(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('topology')
    .description('the exchanges and queues of the pipeline')
    .command('declare')
    .description(
      'declare every exchange, queue and binding (the services do it at start; this is idempotent)',
    )
    .action(() =>
      run(async () => {
        const session = await openChannel(loadCliConfig());
        await session.close();
        process.stderr.write('topology declared\n');
        return EXIT.ok;
      }),
    );
}
