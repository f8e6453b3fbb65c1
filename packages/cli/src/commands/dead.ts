import { createInterface } from 'node:readline/promises';
import { STAGES, type Stage } from '@tributary/contracts';
import { type Command, Option } from 'commander';
import { CliError, EXIT, type ExitCode } from '../cli-errors.ts';
import { loadCliConfig } from '../cli-settings.ts';
import { openChannel } from '../connections.ts';
import { type DeadLetterView, formatAge } from '../dead-letters/dead-letter.ts';
import { type DeadLetterAction, walkDeadLetters } from '../dead-letters/dead-letter-queue.ts';

interface DeadFlags {
  stage: Stage;
  reason?: string;
  limit?: number;
  json?: boolean;
  yes?: boolean;
}

export function registerDead(
  program: Command,
  run: (action: () => Promise<ExitCode>) => Promise<void>,
): void {
  const dead = program.command('dead').description("read, replay or purge a stage's dead letters");
  const common = (command: Command, limitDefault?: number) =>
    command
      .addOption(
        new Option('--stage <stage>', 'the stage whose dead letters')
          .choices([...STAGES])
          .makeOptionMandatory(),
      )
      .option('--reason <reason>', 'only dead letters of this reason')
      .option('--limit <n>', 'at most this many', parseLimit, limitDefault)
      .option('--json', 'print JSON lines');
  common(dead.command('list').description('id, url, reason, message, attempt, age'), 50).action(
    (flags: DeadFlags) => run(() => walk(flags, 'keep')),
  );
  common(
    dead.command('show').description('one message (or --limit of them) with its headers and body'),
    1,
  ).action((flags: DeadFlags) => run(() => walk(flags, 'keep', true)));
  common(
    dead
      .command('replay')
      .description(
        'move dead letters back to their stage, attempts reset, each confirmed before it is removed',
      ),
  ).action((flags: DeadFlags) => run(() => walk(flags, 'replay')));
  common(dead.command('purge').description('delete dead letters (asks first unless --yes)'))
    .option('--yes', 'do not ask')
    .action((flags: DeadFlags) => run(() => purge(flags)));
}

async function purge(flags: DeadFlags): Promise<ExitCode> {
  if (!flags.yes) {
    if (!process.stdin.isTTY) {
      throw new CliError(
        'usage',
        'purge deletes messages: confirm with --yes when not on a terminal',
        EXIT.usage,
      );
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const what = `${flags.limit ?? 'all'} dead letters of stage ${flags.stage}${flags.reason ? ` with reason ${flags.reason}` : ''}`;
    const answer = await rl.question(`delete ${what}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('nothing deleted\n');
      return EXIT.ok;
    }
  }
  return walk(flags, 'remove');
}

async function walk(flags: DeadFlags, action: DeadLetterAction, full = false): Promise<ExitCode> {
  const session = await openChannel(loadCliConfig());
  try {
    const { matched } = await walkDeadLetters(
      session.channel,
      session.names,
      flags.stage,
      {
        limit: flags.limit ?? Number.POSITIVE_INFINITY,
        matches: (view) => flags.reason === undefined || view.reason === flags.reason,
        action,
      },
      (view) => print(view, flags, action, full),
    );
    const verb = action === 'replay' ? 'replayed' : action === 'remove' ? 'deleted' : 'listed';
    process.stderr.write(`${matched} dead letters ${verb}\n`);
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

function print(view: DeadLetterView, flags: DeadFlags, action: DeadLetterAction, full: boolean): void {
  if (flags.json) {
    const { headers, body, ...summary } = view;
    process.stdout.write(`${JSON.stringify(full ? view : { ...summary, action })}\n`);
    return;
  }
  if (full) {
    process.stdout.write(`${JSON.stringify({ headers: view.headers, body: view.body }, null, 2)}\n`);
    return;
  }
  const message = view.message.length > 80 ? `${view.message.slice(0, 77)}...` : view.message;
  process.stdout.write(
    `${view.id}  ${view.url}  ${view.reason}  attempt ${view.attempt}  ${formatAge(view.ageSeconds)}  ${message}\n`,
  );
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CliError('usage', `--limit must be a positive integer, got "${value}"`, EXIT.usage);
  }
  return limit;
}
