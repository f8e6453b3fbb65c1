import { type FetchJob, RawRecordSchema, unpackBody } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from './http-client.ts';
import { requestHeaders, toRawRecord } from './raw-record.ts';

const job: FetchJob = { id: 'job-1', url: 'http://a.example/x', meta: { tag: 'm' }, source: 'test' };
const timing = { fetchedAtMs: Date.parse('2025-06-01T12:00:00Z'), durationMs: 12.3456 };

function response(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, finalUrl: 'http://a.example/y', headers, body: Buffer.from(body) };
}

describe('toRawRecord', () => {
  it('carries the response, the job meta and the final URL, and passes the schema', () => {
    const record = toRawRecord(
      job,
      response(200, '{"a":1}', {
        'content-type': 'application/json',
        etag: '"v1"',
        'last-modified': 'Sun, 01 Jun 2025 11:00:00 GMT',
      }),
      timing,
      1_000,
    );
    expect(record).toEqual({
      jobId: 'job-1',
      url: 'http://a.example/x',
      finalUrl: 'http://a.example/y',
      status: 200,
      contentType: 'application/json',
      etag: '"v1"',
      lastModified: 'Sun, 01 Jun 2025 11:00:00 GMT',
      fetchedAt: '2025-06-01T12:00:00.000Z',
      durationMs: 12.346,
      bytes: 7,
      body: '{"a":1}',
      bodyEncoding: 'utf8',
      meta: { tag: 'm' },
      source: 'test',
    });
    expect(RawRecordSchema.safeParse(record).success).toBe(true);
  });

  it("carries the job's batch, so the batch can learn how the job ended", () => {
    const record = toRawRecord({ ...job, batch: 'b-1' }, response(200, 'x'), timing, 1_000);
    expect(record.batch).toBe('b-1');
    expect(toRawRecord(job, response(200, 'x'), timing, 1_000)).not.toHaveProperty('batch');
  });

  it('compresses a body above the threshold, and it unpacks to the same bytes', () => {
    const body = 'x'.repeat(5_000);
    const record = toRawRecord(job, response(200, body), timing, 1_000);
    expect(record).toMatchObject({ compressed: 'gzip', bodyEncoding: 'base64', bytes: 5_000 });
    expect(unpackBody(record).toString()).toBe(body);
  });

  it('makes a 304 a not-modified record with an empty body and the validators it had', () => {
    const conditional = { ...job, etag: '"v1"', lastModified: 'Sun, 01 Jun 2025 11:00:00 GMT' };
    const record = toRawRecord(conditional, response(304, ''), timing, 1_000);
    expect(record).toMatchObject({
      status: 304,
      body: '',
      bodyEncoding: 'utf8',
      bytes: 0,
      etag: '"v1"',
      lastModified: 'Sun, 01 Jun 2025 11:00:00 GMT',
    });
    expect(record.compressed).toBeUndefined();
    expect(RawRecordSchema.safeParse(record).success).toBe(true);
  });
});

describe('requestHeaders', () => {
  it('sends If-None-Match and If-Modified-Since when the job has validators', () => {
    expect(
      requestHeaders({ ...job, headers: { accept: 'application/json' }, etag: '"e"', lastModified: 'D' }),
    ).toEqual({ accept: 'application/json', 'if-none-match': '"e"', 'if-modified-since': 'D' });
    expect(requestHeaders(job)).toEqual({});
  });
});
