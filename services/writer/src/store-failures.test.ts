import {
  BSON,
  type BulkWriteResult,
  MongoBulkWriteError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  type TopologyDescription,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { classifyStoreFailure, type StoreFailure } from './store-failures.ts';

/** What the driver attaches to a MongoBulkWriteError; only the part the classification reads. */
function bulkResult(writeConcernError?: { code: number; errmsg: string }): BulkWriteResult {
  return { getWriteConcernError: () => writeConcernError } as unknown as BulkWriteResult;
}

function bulkError(
  writeErrors: { code: number; errmsg: string; index: number }[],
  writeConcernError?: { code: number; errmsg: string },
): MongoBulkWriteError {
  const error = {
    message: writeErrors[0]?.errmsg ?? 'write concern',
    code: writeErrors[0]?.code,
    writeErrors,
  };
  return new MongoBulkWriteError(
    error as unknown as ConstructorParameters<typeof MongoBulkWriteError>[0],
    bulkResult(writeConcernError),
  );
}

const noServer = { servers: new Map() } as unknown as TopologyDescription;

/** What the driver throws when sending a bulk write meets `error` (a driver error, not a server reply). */
function wrappedInBulkError(error: Error): MongoBulkWriteError {
  return new MongoBulkWriteError(
    error as unknown as ConstructorParameters<typeof MongoBulkWriteError>[0],
    bulkResult(),
  );
}

const table: [string, unknown, StoreFailure][] = [
  [
    'a refused connection',
    new MongoNetworkError('connect ECONNREFUSED'),
    { kind: 'transient', reason: 'unreachable' },
  ],
  [
    'no server selected in time',
    new MongoServerSelectionError('Server selection timed out after 5000 ms', noServer),
    { kind: 'transient', reason: 'unreachable' },
  ],
  [
    'a bulk write meeting a refused connection',
    wrappedInBulkError(
      Object.assign(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017'), {
        beforeHandshake: false,
      }),
    ),
    { kind: 'transient', reason: 'unreachable' },
  ],
  [
    'a bulk write finding no server',
    wrappedInBulkError(new MongoServerSelectionError('Server selection timed out after 1000 ms', noServer)),
    { kind: 'transient', reason: 'unreachable' },
  ],
  ['a socket timeout', new MongoNetworkTimeoutError('timed out'), { kind: 'transient', reason: 'timeout' }],
  ['a closed client', new MongoTopologyClosedError(), { kind: 'transient', reason: 'closed' }],
  [
    'a write concern failure',
    new MongoWriteConcernError({
      ok: 1,
      writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' },
    }),
    { kind: 'transient', reason: 'write-concern' },
  ],
  [
    'a bulk write with a write concern error',
    bulkError([], { code: 64, errmsg: 'waiting for replication timed out' }),
    { kind: 'transient', reason: 'write-concern' },
  ],
  [
    'a stepped-down primary',
    new MongoServerError({ code: 10107, errmsg: 'not primary' }),
    { kind: 'transient', reason: 'server-error' },
  ],
  [
    'a command the server cannot run (authorisation)',
    new MongoServerError({ code: 13, errmsg: 'not authorized' }),
    { kind: 'transient', reason: 'server-error' },
  ],
  [
    'an operation over its time limit',
    new MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' }),
    { kind: 'transient', reason: 'timeout' },
  ],
  [
    'a duplicate key from two writers upserting one _id',
    bulkError([{ code: 11000, errmsg: 'E11000 duplicate key', index: 3 }]),
    { kind: 'transient', reason: 'server-error' },
  ],
  [
    'a document failing validation',
    bulkError([{ code: 121, errmsg: 'Document failed validation', index: 2 }]),
    { kind: 'document', message: 'Document failed validation' },
  ],
  [
    'a key the server refuses',
    bulkError([{ code: 2, errmsg: `invalid key: "$x" (key must not start with '$' sign)`, index: 0 }]),
    { kind: 'document', message: `invalid key: "$x" (key must not start with '$' sign)` },
  ],
  [
    'a document too large for the server',
    bulkError([{ code: 10334, errmsg: 'BSONObj size: 17000000 is invalid', index: 0 }]),
    { kind: 'document', message: 'BSONObj size: 17000000 is invalid' },
  ],
  [
    'a document the driver will not send (too large)',
    new MongoInvalidArgumentError('Document is larger than the maximum size 16777216'),
    { kind: 'document', message: 'Document is larger than the maximum size 16777216' },
  ],
  [
    'a document the driver cannot serialise',
    new BSON.BSONError('key a\u0000b must not contain null bytes'),
    { kind: 'document', message: 'key a\u0000b must not contain null bytes' },
  ],
  ['a bug', new TypeError('x is not a function'), { kind: 'unexpected' }],
];

describe('classifyStoreFailure', () => {
  it.each(table)('%s', (_name, error, expected) => {
    expect(classifyStoreFailure(error)).toEqual(expected);
  });
});
