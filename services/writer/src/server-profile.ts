import type { Document } from 'mongodb';

/**
 * How a batch learns what the store holds of its sources: `read-first` reads them (one `$in` query, served by
 * the `_id` index), then writes; `insert-first` writes first and reads only what that leaves unsettled
 * (insert-first.ts).
 */
export type WritePlanKind = 'read-first' | 'insert-first';

/** What the writer does differently by server, decided once at start. */
export interface ServerProfile {
  /** `MongoDB 8.0.4`, `FerretDB v1.24.2 (SQLite)`. */
  name: string;
  writePlan: WritePlanKind;
  /**
   * Whether the stale-chunk removals of a batch go in one command (`$or` of their filters): where the server
   * evaluates such a filter on every document of the collection, that is one pass per batch instead of one per
   * shrinking source. Where a removal's filter narrows the rows it reads, one removal each is cheaper.
   */
  combineStaleRemovals: boolean;
  /** Updates and deletes per command when WRITE_OPS_PER_COMMAND is 0 (automatic). */
  opsPerCommand: number;
  /**
   * The most sources read as one `find({ _id })` each, all at once, rather than one `find({ _id: { $in } })`.
   * Where both are passes over the collection, a pass per `_id` that the server pushes down costs a fraction of
   * one `$in` pass that it evaluates on every document, decoded; the break-even count is a ratio of costs per
   * document, the same at any collection size.
   */
  readByIdUpTo: number;
  /**
   * Whether the writer creates its indexes beyond `_id` (the documents' and the batch records'). Where the
   * server looks nothing up through such an index (FerretDB on SQLite plans every filter as a scan of the
   * table, indexed field or not), an index only adds its upkeep to every insert: on FerretDB 1.24 (SQLite) the
   * four of the documents took a chunk insert from about 0.05 to 0.07 CPU ms. The unique `_id` index, which
   * every server keeps, is what makes writes idempotent.
   */
  secondaryIndexes: boolean;
}

/** FerretDB 1.x (SQLite) holds a connection per updated document until the command ends, from a pool of 100. */
const FERRETDB_OPS_PER_COMMAND = 50;
/**
 * Measured on FerretDB 1.24 with 10,000 source records: 50 ids took 1.1 s as one `$in` on either backend; as
 * 50 parallel `_id` lookups, 1.5 s (found) to 2.7 s (missing) on SQLite and 0.45 s on PostgreSQL.
 */
const FERRETDB_SQLITE_READ_BY_ID_UP_TO = 16;
const FERRETDB_READ_BY_ID_UP_TO = 64;

/**
 * The profile of a server, from its `buildInfo` and, on FerretDB, its `explain` of a `find` by `_id` on an
 * existing collection (FerretDB names its backend nowhere else).
 *
 * FerretDB 1.x runs every lookup as a scan, whatever its backend: its SQLite backend pushes down only a filter
 * that is exactly `{ _id: <string> }`, as `_ferretdb_sjson->'$._id' = ?`, an expression its `_id` index
 * (`_ferretdb_sjson->"_id"`) does not match, and evaluates every other filter itself on every document; its
 * PostgreSQL backend pushes down top-level equalities as `_jsonb->'<field>' @> <value>`, which no btree
 * index serves. Only inserts, whose unique-key check uses the index, cost the same at any size: so the writer
 * inserts first there. Its SQLite backend explains a plan as lines of text (`SCAN documents_…`), PostgreSQL
 * as a document (`{ 'Node Type': 'Seq Scan', … }`); only the SQLite backend reads every document for a removal
 * by `{ jobId, chunkIndex }`, so only there are removals combined, and only there, where its plans show a scan
 * of the table for a filter on an indexed field too, does the writer leave out the indexes beyond `_id`.
 */
export function serverProfileOf(buildInfo: Document, idLookupExplain?: Document): ServerProfile {
  const ferretdbVersion = buildInfo.ferretdbVersion;
  if (typeof ferretdbVersion !== 'string') {
    return {
      name: `MongoDB ${String(buildInfo.version)}`,
      writePlan: 'read-first',
      combineStaleRemovals: false,
      opsPerCommand: Number.POSITIVE_INFINITY,
      readByIdUpTo: 0,
      secondaryIndexes: true,
    };
  }
  const plan: unknown = idLookupExplain?.queryPlanner?.Plan;
  const sqlite = Array.isArray(plan) && plan.every((line) => typeof line === 'string');
  return {
    name: `FerretDB ${ferretdbVersion}${sqlite ? ' (SQLite)' : ''}`,
    writePlan: 'insert-first',
    combineStaleRemovals: sqlite,
    opsPerCommand: FERRETDB_OPS_PER_COMMAND,
    readByIdUpTo: sqlite ? FERRETDB_SQLITE_READ_BY_ID_UP_TO : FERRETDB_READ_BY_ID_UP_TO,
    secondaryIndexes: !sqlite,
  };
}
