// Command-level accounting of what a MongoDB client costs its database server: every command the client sends
// (command monitoring), counted and timed by kind, with the server process's CPU time shared out among the
// commands in flight between two events. A kind names the command, its collection and the shape that decides its
// cost on FerretDB 1.x (an upsert or not, a filter by `_id` equality or anything else).
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

export interface CommandCost {
  /** e.g. `insert documents`, `update sources (upsert)`, `find sources {_id}`. */
  kind: string;
  commands: number;
  /** Documents inserted, statements updated or deleted, filters read: what the commands carried. */
  operations: number;
  /** Wall seconds from each command's start to its answer, summed. */
  seconds: number;
  /** The server's CPU seconds while the commands of this kind were in flight, shared among those in flight. */
  serverCpuSeconds: number;
}

interface InFlight {
  kind: string;
  startedAtMs: number;
}

/** `{_id}` for a filter of one `_id` equality, `{_id:$in}` for `_id` in a list, else its top-level keys. */
function filterShape(filter: unknown): string {
  if (typeof filter !== 'object' || filter === null) return '{}';
  const entries = Object.entries(filter);
  if (entries.length === 1 && entries[0]?.[0] === '_id') {
    const value = entries[0][1];
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      return `{_id:${Object.keys(value).join(',')}}`;
    }
    return '{_id}';
  }
  return `{${entries.map(([key]) => key).join(',')}}`;
}

/** What a command is, for accounting, and how many operations it carries. */
export function commandKind(event: Pick<CommandStartedEvent, 'commandName' | 'command'>): {
  kind: string;
  operations: number;
} {
  const { commandName: name, command } = event;
  const collection = typeof command[name] === 'string' ? ` ${command[name]}` : '';
  switch (name) {
    case 'insert':
      return { kind: `insert${collection}`, operations: command.documents?.length ?? 0 };
    case 'update': {
      const updates: { q?: unknown; upsert?: boolean }[] = command.updates ?? [];
      const upsert = updates.some((u) => u.upsert) ? ' (upsert)' : '';
      const shapes = [...new Set(updates.map((u) => filterShape(u.q)))].join(' ');
      return { kind: `update${collection}${upsert} ${shapes}`, operations: updates.length };
    }
    case 'delete': {
      const deletes: { q?: unknown }[] = command.deletes ?? [];
      const shapes = [...new Set(deletes.map((d) => filterShape(d.q)))].join(' ');
      return { kind: `delete${collection} ${shapes}`, operations: deletes.length };
    }
    case 'find':
      return { kind: `find${collection} ${filterShape(command.filter)}`, operations: 1 };
    default:
      return { kind: `${name}${collection}`, operations: 1 };
  }
}

/**
 * Listens to `client`'s commands (the client needs `monitorCommands`) and accounts for each; `serverCpuSeconds`
 * reads the server process's CPU seconds so far. CPU spent while no command is in flight is counted apart
 * (`idleCpuSeconds`): the server's background work, and anyone else's commands.
 */
export class CommandCosts {
  readonly #costs = new Map<string, CommandCost>();
  readonly #inFlight = new Map<string, InFlight>();
  readonly #client: MongoClient;
  readonly #serverCpuSeconds: () => number;
  #lastCpu: number;
  #idleCpuSeconds = 0;

  constructor(client: MongoClient, serverCpuSeconds: () => number) {
    this.#client = client;
    this.#serverCpuSeconds = serverCpuSeconds;
    this.#lastCpu = serverCpuSeconds();
    client.on('commandStarted', this.#started);
    client.on('commandSucceeded', this.#ended);
    client.on('commandFailed', this.#ended);
  }

  get idleCpuSeconds(): number {
    return this.#idleCpuSeconds;
  }

  /** The kinds seen, costliest first (server CPU). */
  costs(): CommandCost[] {
    return [...this.#costs.values()].sort((a, b) => b.serverCpuSeconds - a.serverCpuSeconds);
  }

  /** Starts counting again from zero. */
  reset(): void {
    this.#share();
    this.#costs.clear();
    this.#idleCpuSeconds = 0;
  }

  stop(): void {
    this.#client.off('commandStarted', this.#started);
    this.#client.off('commandSucceeded', this.#ended);
    this.#client.off('commandFailed', this.#ended);
  }

  /** Shares the server CPU spent since the last event among the commands in flight. */
  #share(): void {
    const now = this.#serverCpuSeconds();
    const spent = now - this.#lastCpu;
    this.#lastCpu = now;
    if (this.#inFlight.size === 0) {
      this.#idleCpuSeconds += spent;
      return;
    }
    for (const { kind } of this.#inFlight.values()) {
      const cost = this.#costs.get(kind);
      if (cost) cost.serverCpuSeconds += spent / this.#inFlight.size;
    }
  }

  readonly #started = (event: CommandStartedEvent) => {
    this.#share();
    const { kind, operations } = commandKind(event);
    const cost = this.#costs.get(kind) ?? {
      kind,
      commands: 0,
      operations: 0,
      seconds: 0,
      serverCpuSeconds: 0,
    };
    cost.commands += 1;
    cost.operations += operations;
    this.#costs.set(kind, cost);
    this.#inFlight.set(`${event.connectionId}/${event.requestId}`, { kind, startedAtMs: performance.now() });
  };

  readonly #ended = (event: CommandSucceededEvent | CommandFailedEvent) => {
    this.#share();
    const key = `${event.connectionId}/${event.requestId}`;
    const flight = this.#inFlight.get(key);
    if (!flight) return;
    this.#inFlight.delete(key);
    const cost = this.#costs.get(flight.kind);
    if (cost) cost.seconds += (performance.now() - flight.startedAtMs) / 1000;
  };
}
