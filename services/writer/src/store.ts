import type { StoreMessage } from '@tributary/contracts';
import { backoffDelayMs, type Logger, readByIds, redactUrl, sleep } from '@tributary/core';
import {
  type Collection,
  type Db,
  type Document,
  MongoClient,
  MongoServerError,
  type WriteConcernSettings,
} from 'mongodb';
import { BulkCommands, fallbackOf } from './bulk-commands.ts';
import {
  type PlannedOp,
  planWrite,
  type StoredSourceState,
  sourcesToRead,
  type Verdict,
  type WritePlan,
} from './bulk-plan.ts';
import type { WriteConcernLevel } from './config.ts';
import { DOCUMENT_INDEXES, ensureIndexes } from './document-indexes.ts';
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

/** What a batch's writes did, counted. */
export interface BatchCounts {
  /** Chunk upserts that inserted, changed, or found an equal document (a replay). */
  inserted: number;
  updated: number;
  unchanged: number;
  staleChunksDeleted: number;
  sourcesWritten: number;
  sourcesTouched: number;
}

/**
 * How each message of a batch ended, as planned (bulk-plan.ts), with the messages the server refused a
 * document of turned `dead`: one result type from the plan to the writer's outcome.
 */
export interface BatchReport extends BatchCounts {
  results: Verdict[];
}

/** What the writer needs of a store; the MongoDB one below, or a fake in unit tests. */
export interface BatchStore {
  write(messages: readonly StoreMessage[]): Promise<BatchReport>;
}

const DEFAULT_MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

type StoreState = 'idle' | 'starting' | 'running' | 'closed';

const NOTHING_STORED: ReadonlyMap<string, StoredSourceState> = new Map();
/** `create` of a collection that exists (MongoDB and FerretDB alike). */
const NAMESPACE_EXISTS = 48;

/**
 * The MongoDB side of the writer. `start()` connects, learns the server's limits and profile
 * (server-profile.ts) and ensures the indexes the server looks documents up through;
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
  readonly #bulk: BulkCommands;
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
    this.#bulk = new BulkCommands({
      writeConcern: this.#writeConcern,
      opsPerCommand: () => this.#opsPerCommand,
      logger: this.#logger,
    });
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

  /** What the writer does differently on this server (known after `start()`). */
  get serverProfile(): ServerProfile {
    return this.#profile;
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
        const { retryBaseMs: baseMs, retryMaxMs: maxMs } = this.#options;
        const delayMs = backoffDelayMs(attempt, { baseMs, maxMs, floorMs: baseMs / 2 });
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
    // The driver closes its topology when the first connection fails, and an operation never reopens it:
    // connect() does. Without it a writer started while the database was down would never become ready.
    await this.#client.connect();
    const db = this.#client.db(this.#options.dbName);
    const hello = await db.command({ hello: 1 });
    const buildInfo = await db.command({ buildInfo: 1 });
    this.#maxDocumentBytes =
      typeof hello.maxBsonObjectSize === 'number' ? hello.maxBsonObjectSize : DEFAULT_MAX_BSON_OBJECT_SIZE;
    const explain = typeof buildInfo.ferretdbVersion === 'string' ? await this.#explainIdLookup() : undefined;
    this.#profile = serverProfileOf(buildInfo, explain);
    const created = this.#profile.secondaryIndexes
      ? await ensureIndexes(this.#documents, DOCUMENT_INDEXES)
      : [];
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
        secondaryIndexes: this.#profile.secondaryIndexes,
        indexesCreated: created,
      },
      'database ready; indexes ensured',
    );
  }

  /**
   * FerretDB names its backend only in the plan of a lookup on a collection that exists, so the documents
   * collection is created first (another writer may have just done so). A server that refuses to explain gets
   * the profile of an unknown backend; a failure to reach it fails the start, which is retried.
   */
  async #explainIdLookup(): Promise<Document | undefined> {
    const db = this.#client.db(this.#options.dbName);
    try {
      await db.createCollection(this.#options.documentsCollection);
    } catch (err) {
      if (!(err instanceof MongoServerError) || err.code !== NAMESPACE_EXISTS) throw err;
    }
    try {
      return await db.command({
        explain: { find: this.#options.documentsCollection, filter: { _id: '' } },
        verbosity: 'queryPlanner',
      });
    } catch (err) {
      if (err instanceof MongoServerError) return undefined;
      throw err;
    }
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
    const tally: BatchCounts = {
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
    const existing = await this.#bulk.runInserts(this.#documents, plan.inserts, refused, (count) => {
      tally.inserted += count;
    });
    const upserts = [...plan.upserts, ...existing.map(fallbackOf)];
    await this.#bulk.runPhase(this.#documents, upserts, refused, (result) => {
      tally.inserted += result.upsertedCount;
      tally.updated += result.modifiedCount;
      tally.unchanged += result.matchedCount - result.modifiedCount;
    });
    const existed = new Set(existing.map((op) => op.message));
    const stale = [...plan.staleChunks, ...plan.staleChunksIfPresent.filter((op) => existed.has(op.message))];
    const upserted = performance.now();
    await this.#removeStaleChunks(stale, refused, tally);
    const knownSources = await this.#bulk.runInserts(this.#sources, plan.sourceInserts, refused, (count) => {
      tally.sourcesWritten += count;
    });
    await this.#bulk.runPhase(
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
    const results = plan.verdicts.map((verdict, index): Verdict => {
      const refusal = refused.get(index);
      if (refusal !== undefined) return { kind: 'dead', reason: 'document-refused', message: refusal };
      return verdict;
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
    tally: BatchCounts,
  ): Promise<WritePlan> {
    const options = { maxDocumentBytes: this.#maxDocumentBytes };
    const optimistic = planWrite(messages, NOTHING_STORED, options);
    const failed = await this.#bulk.runInserts(this.#documents, optimistic.inserts, refused, (count) => {
      tally.inserted += count;
    });
    const unsettled = unsettledMessages(
      messages,
      optimistic.verdicts,
      new Set(failed.map((op) => op.message)),
    );
    const records = optimistic.sourceInserts.filter((op) => !unsettled.has(op.message));
    const taken = await this.#bulk.runInserts(this.#sources, records, refused, (count) => {
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
    const records = await readByIds(this.#sources, jobIds, {
      projection: { chunkCount: 1, contentFetchedAt: 1 },
      oneByOneUpTo: this.#profile.readByIdUpTo,
    });
    for (const record of records) {
      if (typeof record.chunkCount === 'number' && record.contentFetchedAt instanceof Date) {
        states.set(record._id, { chunkCount: record.chunkCount, contentFetchedAt: record.contentFetchedAt });
      }
    }
    return states;
  }

  /**
   * Removes stale chunks: in one command, `$or` of their filters, where the server profile says so (FerretDB
   * on SQLite evaluates such a filter on every document of the collection, decoded: one pass per batch rather
   * than one per shrinking source); otherwise, and when that command is refused, one removal per operation.
   */
  async #removeStaleChunks(
    ops: PlannedOp<StoredDocument>[],
    refused: Map<number, string>,
    tally: BatchCounts,
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
    await this.#bulk.runPhase(this.#documents, live, refused, onResult);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closing.abort();
    await this.#client.close();
  }
}
