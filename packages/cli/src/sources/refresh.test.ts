import { FetchJobSchema } from '@tributary/contracts';
import { describe, expect, it } from 'vitest';
import { parseJobLine } from '../enqueue/job-lines.ts';
import { refreshJob, refreshLines, refreshQuery } from './refresh.ts';
import type { SourceQuery, StoredSource } from './source-store.ts';

const FETCHED = new Date('2026-12-01T10:00:00Z');

function source(id: string, extra: Partial<StoredSource> = {}): StoredSource {
  return { _id: id, url: `http://127.0.0.1:8080/pages/${id}`, lastFetchedAt: FETCHED, ...extra };
}

describe('refreshJob', () => {
  it('fetches the source again under its own id, conditionally, with the meta it was ingested with', () => {
    const job = refreshJob(source('7', { etag: '"v1"', lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' }), {
      team: 'search',
    });
    expect(job).toEqual({
      id: '7',
      url: 'http://127.0.0.1:8080/pages/7',
      etag: '"v1"',
      lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT',
      meta: { team: 'search' },
    });
    // What the fetcher reads is what was built: the id kept, not derived from the URL.
    expect(FetchJobSchema.parse(job)).toEqual(job);
  });

  it('leaves out what the source was stored without', () => {
    expect(refreshJob(source('8'))).toEqual({ id: '8', url: 'http://127.0.0.1:8080/pages/8' });
  });
});

describe('refreshQuery', () => {
  const now = new Date('2026-12-08T10:00:00Z');

  it('reads the sources last fetched longer ago than the age, under the prefix', () => {
    expect(
      refreshQuery({ olderThanMs: 7 * 86_400_000, urlPrefix: 'http://127.0.0.1:8080/pages/' }, now),
    ).toEqual({
      fetchedBefore: new Date('2026-12-01T10:00:00Z'),
      urlPrefixes: ['http://127.0.0.1:8080/pages/'],
    });
  });

  it('without an age, reads every source fetched before now: none stored while it reads', () => {
    expect(refreshQuery({}, now)).toEqual({ fetchedBefore: now, urlPrefixes: [] });
  });
});

describe('refreshLines', () => {
  it('makes a job line per source, page by page, with the meta of each page looked up at once', async () => {
    const pages = [[source('1'), source('2', { etag: '"e2"' })], [source('3')]];
    const lookups: string[][] = [];
    const queries: SourceQuery[] = [];
    const store = {
      async *pages(query: SourceQuery) {
        queries.push(query);
        yield* pages;
      },
      async firstChunkMeta(ids: readonly string[]) {
        lookups.push([...ids]);
        return new Map(ids.filter((id) => id !== '2').map((id) => [id, { n: Number(id) }]));
      },
    };
    const query = { fetchedBefore: FETCHED, urlPrefixes: [] };
    const lines = [];
    for await (const line of refreshLines(store, query).lines()) lines.push(line);

    expect(queries).toEqual([query]);
    expect(lookups).toEqual([['1', '2'], ['3']]);
    expect(lines.map((line) => line.line)).toEqual([1, 2, 3]);
    const jobs = lines.map((line) => parseJobLine(line.text, line.line, 'refresh-1'));
    expect(jobs).toEqual([
      {
        kind: 'job',
        job: { id: '1', url: 'http://127.0.0.1:8080/pages/1', meta: { n: 1 }, batch: 'refresh-1' },
      },
      {
        kind: 'job',
        job: { id: '2', url: 'http://127.0.0.1:8080/pages/2', etag: '"e2"', batch: 'refresh-1' },
      },
      {
        kind: 'job',
        job: { id: '3', url: 'http://127.0.0.1:8080/pages/3', meta: { n: 3 }, batch: 'refresh-1' },
      },
    ]);
  });
});
