import type { Endpoints } from './local-infrastructure.ts';

/** What a person needs to look at the running system. */
export interface GuideInput {
  processes: readonly { name: string; metricsUrl: string }[];
  endpoints: Pick<Endpoints, 'managementUrl' | 'source'>;
  /** The demo batch, once enqueued. */
  batchId: string | undefined;
  /** The launcher's environment: TRIBUTARY_PREFIX and MONGO_DB must be the same in another shell. */
  env: NodeJS.ProcessEnv;
}

export interface Guide {
  processes: { name: string; metricsUrl: string }[];
  /** The management UI without credentials, and the user to log in as. */
  management: { url: string; user: string | undefined } | undefined;
  /** What to run in another shell first, so that the commands below find the same broker and database. */
  setup: string[];
  commands: { what: string; command: string }[];
}

/** A node one-liner, with the driver the repository already has, that prints the first stored chunks. */
export const READ_DOCUMENTS_COMMAND =
  `node -e "const{MongoClient}=require('mongodb');const c=new MongoClient(process.env.MONGO_URL);` +
  `c.db(process.env.MONGO_DB||'tributary').collection('documents').find().limit(5).toArray()` +
  `.then(ds=>ds.forEach(d=>console.log(d.sourceUrl,'#'+d.chunkIndex,d.text.slice(0,70))))` +
  `.finally(()=>c.close())"`;

/** Where to look, as data: the launcher prints it for a person, or logs it as one JSON line. */
export function buildGuide(input: GuideInput): Guide {
  const setup: string[] = [];
  if (input.endpoints.source === 'infra-local') setup.push('eval "$(bash infra/local/env.sh)"');
  const passOn = ['TRIBUTARY_PREFIX', 'MONGO_DB']
    .filter((name) => input.env[name])
    .map((name) => `${name}=${shellQuote(input.env[name] ?? '')}`);
  if (passOn.length > 0) setup.push(`export ${passOn.join(' ')}`);
  const commands = [{ what: 'queues, consumers and dead letters', command: 'npx tributary status' }];
  if (input.batchId !== undefined) {
    commands.push({
      what: 'how each job of the demo batch ended',
      command: `npx tributary batch status ${input.batchId}`,
    });
  }
  commands.push({ what: 'the first stored chunks', command: READ_DOCUMENTS_COMMAND });
  return {
    processes: input.processes.map(({ name, metricsUrl }) => ({ name, metricsUrl })),
    management: managementOf(input.endpoints.managementUrl),
    setup,
    commands,
  };
}

/** The guide as a person reads it. */
export function renderGuide(guide: Guide): string {
  const width = Math.max(...guide.processes.map((entry) => entry.name.length), 'RabbitMQ management'.length);
  const lines = [
    '',
    'Tributary is running; Ctrl-C stops everything it started.',
    '',
    'Metrics of each process:',
  ];
  for (const entry of guide.processes) lines.push(`  ${entry.name.padEnd(width)}  ${entry.metricsUrl}`);
  if (guide.management) {
    const user = guide.management.user ? `  (user ${guide.management.user})` : '';
    lines.push(`  ${'RabbitMQ management'.padEnd(width)}  ${guide.management.url}${user}`);
  }
  lines.push('', 'In another shell, in this repository:');
  for (const step of guide.setup) lines.push(`  ${step}`);
  for (const { what, command } of guide.commands) lines.push(`  # ${what}`, `  ${command}`);
  lines.push('');
  return lines.join('\n');
}

function managementOf(url: string | undefined): Guide['management'] {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username) || undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), user };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
