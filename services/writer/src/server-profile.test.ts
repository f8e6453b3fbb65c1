import { describe, expect, it } from 'vitest';
import { type ServerProfile, serverProfileOf } from './server-profile.ts';

const MONGODB_BUILD_INFO = { version: '8.0.4', ok: 1 };
const FERRETDB_BUILD_INFO = { version: '7.0.42', ferretdbVersion: 'v1.24.2', ok: 1 };
const SQLITE_EXPLAIN = {
  queryPlanner: { Plan: ['id=2 parent=0 notused=0 detail=SCAN documents_1a2b3c4d'] },
  filterPushdown: true,
};
const POSTGRESQL_EXPLAIN = {
  queryPlanner: {
    Plan: { 'Node Type': 'Seq Scan', Filter: "((documents._jsonb -> '_id'::text) @> '\"\"'::jsonb)" },
  },
  filterPushdown: true,
};

describe('serverProfileOf', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, Partial<ServerProfile>]>([
    [
      'MongoDB: reads first, one removal per shrinking source, no cap per command, every index',
      MONGODB_BUILD_INFO,
      undefined,
      {
        name: 'MongoDB 8.0.4',
        writePlan: 'read-first',
        combineStaleRemovals: false,
        opsPerCommand: Number.POSITIVE_INFINITY,
        readByIdUpTo: 0,
        secondaryIndexes: true,
      },
    ],
    [
      'FerretDB on SQLite: inserts first, removals in one command, 50 updates per command, up to 16 reads by _id, no index beyond _id',
      FERRETDB_BUILD_INFO,
      SQLITE_EXPLAIN,
      {
        name: 'FerretDB v1.24.2 (SQLite)',
        writePlan: 'insert-first',
        combineStaleRemovals: true,
        opsPerCommand: 50,
        readByIdUpTo: 16,
        secondaryIndexes: false,
      },
    ],
    [
      'FerretDB on PostgreSQL: inserts first, one removal per source (it pushes the jobId down), up to 64 reads by _id',
      FERRETDB_BUILD_INFO,
      POSTGRESQL_EXPLAIN,
      {
        name: 'FerretDB v1.24.2',
        writePlan: 'insert-first',
        combineStaleRemovals: false,
        opsPerCommand: 50,
        readByIdUpTo: 64,
        secondaryIndexes: true,
      },
    ],
    [
      'FerretDB with a plan it did not explain: inserts first, removals one by one',
      FERRETDB_BUILD_INFO,
      { queryPlanner: {} },
      { writePlan: 'insert-first', combineStaleRemovals: false, secondaryIndexes: true },
    ],
  ])('%s', (_what, buildInfo, explain, expected) => {
    expect(serverProfileOf(buildInfo, explain)).toMatchObject(expected);
  });
});
