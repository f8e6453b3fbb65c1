import type { StoreMessage } from '@tributary/contracts';
import { backoffDelayMs, type Logger, redactUrl, sleep } from '@tributary/core';
import {
  type BulkWriteResult,
  type Collection,
  type Db,
  type Document,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type WriteConcernSettings,
} from 'mongodb';
import {
  type PlannedOp,
  planWrite,
  type StoredSourceState,
  sourcesToRead,
  type Verdict,
  type WritePlan,
} from './bulk-plan.ts';
import type { WriteConcernLevel } from './config.ts';
import { type ListedIndex, missingIndexes } from './document-indexes.ts';
import { StoreClosedError, StoreUnavailableError } from './errors.ts';
import { jobIdsOf, remainingPlan, unsettledMessages } from './insert-first.ts';
import { type ServerProfile, serverProfileOf } from './server-profile.ts';
import { classifyStoreFailure } from './store-failures.ts';
import type { SourceRecord, StoredDocument } from './stored-records.ts';

export interface MongoStoreOptions {
  url: string;
  dbName: string;
  documentsCollection: string;
  sourcesCollection: string;
  writeConcern: WriteConcernLevel;
  serverSelectionTimeoutMs: number;
  /** Longest wait for the answer to one command (socket timeout), and the write concern's wtimeout. */
  operationTimeoutMs: number;
  /** Most updates and deletes per command; 0 means automatic (see WRITE_OPS_PER_COMMAND). */
  opsPerCommand: number;
  /** Backoff between attempts to connect and ensure the indexes at start. */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** How one message of a batch ended. */
export type MessageResult =
  | { kind: 'written' }
  | { kind: 'touched' }
  | { kind: 'skipped'; reason: 'older-than-stored' | 'superseded' }
  | { kind: 'dead'; reason: 'document-refused' | 'invalid-message'; message: string };

export interface BatchReport {
  results: MessageResult[];
  /** Chunk upserts that inserted, changed, or found an equal document (a replay). */
  inserted: number;
  updated: number;
  unchanged: number;
  staleChunksDeleted: number;
  sourcesWritten: number;
  sourcesTouched: number;
}

/** What the writer needs of a store; the MongoDB one below, or a fake in unit tests. */
export interface BatchStore {
  write(messages: readonly StoreMessage[]): Promise<BatchReport>;
}

const DEFAULT_MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/** `listIndexes` of a collection that does not exist yet (MongoDB and FerretDB alike). */
const NAMESPACE_NOT_FOUND = 26;

type StoreState = 'idle' | 'starting' | 'running' | 'closed';

const NOTHING_STORED: ReadonlyMap<string, StoredSourceState> = new Map();

interface Tally {
  inserted: number;
  updated: number;
  unchanged: number;
  staleChunksDeleted: number;
  sourcesWritten: number;
  sourcesTouched: number;
}

/**
 * The MongoDB side of the writer. `start()` connects, learns the server's limits and ensures the indexes;
 * `write()` makes one attempt at a batch: it learns the stored state of the batch's sources, plans the writes
 * (bulk-plan.ts) and runs them as unordered bulk writes with the configured write concern, in three phases:
 * chunks (inserts for new sources, then upserts), stale-chunk removals, source records (inserts, then upserts
 * and touches). No transactions: every step is idempotent and the order makes a crash anywhere safe.
 *
 * On MongoDB the state is read first, in one `$in` query on `_id`. FerretDB 1.x looks nothing up through an
 * index (server-profile.ts says why): every read, update, upsert and delete there costs time in proportion to
 * the collection, and only inserts do not. So on FerretDB the writer inserts first and reads only the sources
 * the inserts show to be known (insert-first.ts): first ingestion costs the same at any store size;
 * re-ingestion still scans.
 *
 * An insert that fails (a duplicate key, or a refused document) is named by its index, which every server
 * reports right for inserts, and its upsert fallback joins the upserts. A failed update or delete command that
 * names a refused operation is split in halves, and each half written again, until the refused operation stands
 * alone: its message is dead-lettered and everything else lands. This does not rely on the server's
 * `writeErrors[].index` for updates, which FerretDB reports as 0 whatever operation failed, nor on the server
 * going on after an error in an unordered update, which FerretDB does not; re-running operations is safe
 * because every one is an idempotent upsert, removal or `$max`.
 *
 * Any other failure (network, server selection, timeouts, write concern, command errors) throws a
 * {@link StoreUnavailableError}; the writer retries the whole batch. Readiness is false from such a failure, or
 * a failed server heartbeat, until the next success.
 */
export class MongoStore implements BatchStore {
  readonly #options: MongoStoreOptions;
  readonly #logger: Logger;
  readonly #client: MongoClient;
  readonly #documents: Collection<StoredDocument>;
  readonly #sources: Collection<SourceRecord>;
  readonly #writeConcern: WriteConcernSettings;
  readonly #closing = new AbortController();
  #state: StoreState = 'idle';
  #maxDocumentBytes = DEFAULT_MAX_BSON_OBJECT_SIZE;
  #opsPerCommand = Number.POSITIVE_INFINITY;
  #profile: ServerProfile = serverProfileOf({});
  #writeFailure: string | undefined;
  #heartbeatFailure: string | undefined;

  constructor(options: MongoStoreOptions, deps: { logger: Logger }) {
    this.#options = options;
    this.#logger = deps.logger;
    this.#client = new MongoClient(options.url, {
      appName: 'tributary-writer',
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
      socketTimeoutMS: options.operationTimeoutMs,
      connectTimeoutMS: Math.min(options.serverSelectionTimeoutMs, 10_000),
    });
    this.#client.on('serverHeartbeatFailed', (event) => {
      this.#heartbeatFailure = event.failure.message;
    });
    this.#client.on('serverHeartbeatSucceeded', () => {
      this.#heartbeatFailure = undefined;
    });
    const db = this.#client.db(options.dbName);
    this.#documents = db.collection<StoredDocument>(options.documentsCollection);
    this.#sources = db.collection<SourceRecord>(options.sourcesCollection);
    this.#writeConcern = { w: options.writeConcern, wtimeoutMS: options.operationTimeoutMs };
  }

  get isReady(): boolean {
    return this.#state === 'running' && !this.#writeFailure && !this.#heartbeatFailure;
  }

  /** For `/readyz`: ready while started and neither writes nor heartbeats fail. */
  readiness(): { ready: boolean; detail?: string } {
    if (this.#state !== 'running')
      return { ready: false, detail: this.#state === 'closed' ? 'closed' : 'connecting' };
    const failure = this.#writeFailure ?? this.#heartbeatFailure;
    return failure ? { ready: false, detail: failure } : { ready: true };
  }

  /** The database, for the batch records kept beside the documents and sources. */
  get db(): Db {
    return this.#client.db(this.#options.dbName);
  }

  /** The largest document the server takes, from its hello (known after `start()`). */
  get maxDocumentBytes(): number {
    return this.#maxDocumentBytes;
  }

  /**
   * Connects, reads the server's limits and ensures the indexes, retrying with backoff while the database is
   * unreachable. Resolves true once running, false when closed before that.
   */
  async start(): Promise<boolean> {
    if (this.#state !== 'idle') return this.#state === 'running';
    this.#state = 'starting';
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) return false;
      try {
        await this.#prepare();
        this.#state = 'running';
        return true;
      } catch (err) {
        if (this.#closing.signal.aborted) return false;
        const failure = classifyStoreFailure(err);
        if (failure.kind === 'unexpected') throw err;
        const delayMs = Math.max(
          this.#options.retryBaseMs / 2,
          backoffDelayMs(attempt, { baseMs: this.#options.retryBaseMs, maxMs: this.#options.retryMaxMs }),
        );
        this.#writeFailure = err instanceof Error ? err.message : String(err);
        this.#logger.warn({ err, attempt, delayMs }, 'database not ready at start; retrying');
        try {
          await sleep(delayMs, this.#closing.signal);
        } catch {
          return false;
        }
      }
    }
  }

  async #prepare(): Promise<void> {
    const db = this.#client.db(this.#options.dbName);
    const hello = await db.command({ hello: 1 });
    const buildInfo = await db.command({ buildInfo: 1 });
    this.#maxDocumentBytes =
      typeof hello.maxBsonObjectSize === 'number' ? hello.maxBsonObjectSize : DEFAULT_MAX_BSON_OBJECT_SIZE;
    const created = await this.#ensureIndexes();
    const explain = typeof buildInfo.ferretdbVersion === 'string' ? await this.#explainIdLookup() : undefined;
    this.#profile = serverProfileOf(buildInfo, explain);
    this.#opsPerCommand =
      this.#options.opsPerCommand > 0 ? this.#options.opsPerCommand : this.#profile.opsPerCommand;
    this.#writeFailure = undefined;
    this.#logger.info(
      {
        mongo: redactUrl(this.#options.url),
        db: this.#options.dbName,
        server: this.#profile.name,
        maxDocumentBytes: this.#maxDocumentBytes,
        opsPerCommand: Number.isFinite(this.#opsPerCommand) ? this.#opsPerCommand : 'unlimited',
        writePlan: this.#profile.writePlan,
        combineStaleRemovals: this.#profile.combineStaleRemovals,
        indexesCreated: created,
      },
      'database ready; indexes ensured',
    );
  }

  /**
   * FerretDB names its backend only in the plan of a lookup on a collection that exists (the documents
   * collection does, once its indexes are ensured). A server that refuses to explain gets the profile of an
   * unknown backend; a failure to reach it fails the start, which is retried.
   */
  async #explainIdLookup(): Promise<Document | undefined> {
    try {
      return await this.#client.db(this.#options.dbName).command({
        explain: { find: this.#options.documentsCollection, filter: { _id: '' } },
        verbosity: 'queryPlanner',
      });
    } catch (err) {
      if (err instanceof MongoServerError) return undefined;
      throw err;
    }
  }

  /**
   * Creates the indexes of DOCUMENT_INDEXES the documents collection lacks, one per command, and returns their
   * names. Never a `createIndexes` naming an index that exists: see {@link missingIndexes}. Two writers starting
   * at once may both create one index; both servers take that as a success.
   */
  async #ensureIndexes(): Promise<string[]> {
    let existing: ListedIndex[];
    try {
      existing = await this.#documents.listIndexes().toArray();
    } catch (err) {
      if (!(err instanceof MongoServerError) || err.code !== NAMESPACE_NOT_FOUND) throw err;
      existing = [];
    }
    const missing = missingIndexes(existing);
    for (const index of missing) {
      await this.#documents.createIndex({ ...index.key }, { name: index.name });
    }
    return missing.map((index) => index.name);
  }

  /** One attempt at a batch; see the class comment. */
  async write(messages: readonly StoreMessage[]): Promise<BatchReport> {
    if (this.#state !== 'running') throw new StoreClosedError();
    try {
      const report = await this.#write(messages);
      this.#writeFailure = undefined;
      return report;
    } catch (err) {
      const failure = classifyStoreFailure(err);
      if (failure.kind === 'unexpected') throw err;
      const reason = failure.kind === 'transient' ? failure.reason : 'server-error';
      this.#writeFailure = `${reason}: ${err instanceof Error ? err.message : String(err)}`;
      throw new StoreUnavailableError(this.#closing.signal.aborted ? 'closed' : reason, { cause: err });
    }
  }

  async #write(messages: readonly StoreMessage[]): Promise<BatchReport> {
    const started = performance.now();
    const refused = new Map<number, string>();
    const tally: Tally = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      staleChunksDeleted: 0,
      sourcesWritten: 0,
      sourcesTouched: 0,
    };
    const plan =
      this.#profile.writePlan === 'insert-first'
        ? await this.#settleByInserting(messages, refused, tally)
        : planWrite(messages, await this.#readSources(sourcesToRead(messages)), {
            maxDocumentBytes: this.#maxDocumentBytes,
          });
    const planned = performance.now();
    const existing = await this.#runInserts(this.#documents, plan.inserts, refused, (count) => {
      tally.inserted += count;
    });
    const upserts = [...plan.upserts, ...existing.map(fallbackOf)];
    await this.#runPhase(this.#documents, upserts, refused, (result) => {
      tally.inserted += result.upsertedCount;
      tally.updated += result.modifiedCount;
      tally.unchanged += result.matchedCount - result.modifiedCount;
    });
    const existed = new Set(existing.map((op) => op.message));
    const stale = [...plan.staleChunks, ...plan.staleChunksIfPresent.filter((op) => existed.has(op.message))];
    const upserted = performance.now();
    await this.#removeStaleChunks(stale, refused, tally);
    const knownSources = await this.#runInserts(this.#sources, plan.sourceInserts, refused, (count) => {
      tally.sourcesWritten += count;
    });
    await this.#runPhase(
      this.#sources,
      [...plan.sources, ...knownSources.map(fallbackOf)],
      refused,
      (_result, ops) => {
        const touches = ops.filter((op) => plan.verdicts[op.message]?.kind === 'touch').length;
        tally.sourcesTouched += touches;
        tally.sourcesWritten += ops.length - touches;
      },
    );
    const finished = performance.now();
    this.#logger.debug(
      {
        messages: messages.length,
        plan: this.#profile.writePlan,
        inserts: plan.inserts.length,
        upserts: upserts.length,
        planMs: Math.round(planned - started),
        documentsMs: Math.round(upserted - planned),
        sourcesMs: Math.round(finished - upserted),
      },
      'batch written',
    );
    const results = plan.verdicts.map((verdict, index): MessageResult => {
      const refusal = refused.get(index);
      if (refusal !== undefined) return { kind: 'dead', reason: 'document-refused', message: refusal };
      return resultOf(verdict);
    });
    return { results, ...tally };
  }

  /**
   * The insert-first steps (insert-first.ts): inserts the chunks and records of the batch's new sources
   * without reading anything, reads the sources of the messages that did not settle, and returns what is
   * left to write.
   */
  async #settleByInserting(
    messages: readonly StoreMessage[],
    refused: Map<number, string>,
    tally: Tally,
  ): Promise<WritePlan> {
    const options = { maxDocumentBytes: this.#maxDocumentBytes };
    const optimistic = planWrite(messages, NOTHING_STORED, options);
    const failed = await this.#runInserts(this.#documents, optimistic.inserts, refused, (count) => {
      tally.inserted += count;
    });
    const unsettled = unsettledMessages(
      messages,
      optimistic.verdicts,
      new Set(failed.map((op) => op.message)),
    );
    const records = optimistic.sourceInserts.filter((op) => !unsettled.has(op.message));
    const taken = await this.#runInserts(this.#sources, records, refused, (count) => {
      tally.sourcesWritten += count;
    });
    const chunksWritten = new Set(taken.map((op) => op.message));
    for (const index of chunksWritten) unsettled.add(index);
    const stored = await this.#readSources(jobIdsOf(messages, unsettled));
    const exact = planWrite(messages, stored, options);
    return remainingPlan(messages, exact, stored, unsettled, chunksWritten);
  }

  async #readSources(jobIds: string[]): Promise<Map<string, StoredSourceState>> {
    const states = new Map<string, StoredSourceState>();
    if (jobIds.length === 0) return states;
    const projection = { chunkCount: 1, contentFetchedAt: 1 };
    const records =
      jobIds.length <= this.#profile.readByIdUpTo
        ? (await Promise.all(jobIds.map((_id) => this.#sources.findOne({ _id }, { projection })))).filter(
            (record) => record !== null,
          )
        : await this.#sources.find({ _id: { $in: jobIds } }, { projection }).toArray();
    for (const record of records) {
      if (typeof record.chunkCount === 'number' && record.contentFetchedAt instanceof Date) {
        states.set(record._id, { chunkCount: record.chunkCount, contentFetchedAt: record.contentFetchedAt });
      }
    }
    return states;
  }

  /**
   * Runs inserts in one bulk write. Returns the inserts that failed: a duplicate key (the document exists
   * already), or a document refused, which the upsert phase then isolates (see {@link fallbackOf}). Unordered
   * inserts go on past a failed one on every server, and name it by its index.
   */
  async #runInserts<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onInserted: (count: number) => void,
  ): Promise<PlannedOp<S>[]> {
    const live = ops.filter((op) => !refused.has(op.message));
    if (live.length === 0) return [];
    try {
      // One bulk write, which the driver splits by the server's limits: FerretDB's stall concerns updates only.
      const result = await collection.bulkWrite(
        live.map((op) => op.op),
        { ordered: false, writeConcern: this.#writeConcern },
      );
      onInserted(result.insertedCount);
      return [];
    } catch (err) {
      const failed = failedOperations(err, live.length);
      if (failed) {
        onInserted((err as MongoBulkWriteError).insertedCount);
        return live.filter((_op, index) => failed.has(index));
      }
      // Refused before sending (the driver could not serialise one): all of them failed; the upsert phase
      // isolates the one at fault. Anything else fails the attempt.
      if (classifyStoreFailure(err).kind !== 'document') throw err;
      return live;
    }
  }

  /**
   * Removes stale chunks: in one command, `$or` of their filters, where the server profile says so (FerretDB
   * on SQLite evaluates such a filter on every document of the collection, decoded: one pass per batch rather
   * than one per shrinking source); otherwise, and when that command is refused, one removal per operation.
   */
  async #removeStaleChunks(
    ops: PlannedOp<StoredDocument>[],
    refused: Map<number, string>,
    tally: Tally,
  ): Promise<void> {
    const live = ops.filter((op) => !refused.has(op.message));
    const onResult = (result: { deletedCount: number }) => {
      tally.staleChunksDeleted += result.deletedCount;
    };
    if (this.#profile.combineStaleRemovals && live.length > 1) {
      const filters = live.flatMap((op) => ('deleteMany' in op.op ? [op.op.deleteMany.filter] : []));
      try {
        onResult(await this.#documents.deleteMany({ $or: filters }, { writeConcern: this.#writeConcern }));
        return;
      } catch (err) {
        if (classifyStoreFailure(err).kind !== 'document') throw err;
      }
    }
    await this.#runPhase(this.#documents, live, refused, onResult);
  }

  /** Runs one phase's operations in commands of at most `opsPerCommand`, one command at a time. */
  async #runPhase<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onResult: (result: BulkWriteResult, ops: PlannedOp<S>[]) => void,
  ): Promise<void> {
    const size = this.#opsPerCommand;
    for (let start = 0; start < ops.length; start += size) {
      await this.#runCommand(collection, ops.slice(start, start + size), refused, onResult);
    }
  }

  async #runCommand<S extends { _id: string }>(
    collection: Collection<S>,
    ops: PlannedOp<S>[],
    refused: Map<number, string>,
    onResult: (result: BulkWriteResult, ops: PlannedOp<S>[]) => void,
  ): Promise<void> {
    const live = ops.filter((op) => !refused.has(op.message));
    if (live.length === 0) return;
    try {
      const result = await collection.bulkWrite(
        live.map((op) => op.op),
        { ordered: false, writeConcern: this.#writeConcern },
      );
      onResult(result, live);
    } catch (err) {
      const failure = classifyStoreFailure(err);
      if (failure.kind !== 'document') throw err;
      const [only] = live;
      if (live.length === 1 && only) {
        refused.set(only.message, failure.message);
        this.#logger.warn({ err, message: only.message }, 'the database refused a document');
        return;
      }
      const middle = Math.ceil(live.length / 2);
      await this.#runCommand(collection, live.slice(0, middle), refused, onResult);
      await this.#runCommand(collection, live.slice(middle), refused, onResult);
    }
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closing.abort();
    await this.#client.close();
  }
}

/**
 * The indexes of the operations a bulk write reports as failed, when it reports only per-operation errors;
 * undefined for anything else (a write concern error, a network error, an index out of range).
 */
function failedOperations(err: unknown, count: number): Set<number> | undefined {
  if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError?.()) return undefined;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  if (writeErrors.length === 0) return undefined;
  const failed = new Set<number>();
  for (const writeError of writeErrors) {
    const index = writeError?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count)
      return undefined;
    failed.add(index);
  }
  return failed;
}

/** What a failed insert does instead: its upsert. */
function fallbackOf<S extends object>(op: PlannedOp<S>): PlannedOp<S> {
  return { message: op.message, op: op.fallback ?? op.op };
}

function resultOf(verdict: Verdict): MessageResult {
  switch (verdict.kind) {
    case 'write':
      return { kind: 'written' };
    case 'touch':
      return { kind: 'touched' };
    case 'skip':
      return { kind: 'skipped', reason: verdict.reason };
    case 'dead':
      return verdict;
  }
}
