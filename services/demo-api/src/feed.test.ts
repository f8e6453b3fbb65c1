import { describe, expect, it } from 'vitest';
import { recordFor } from './content.ts';
import { feedFor, feedLinkHeader, feedOptionsFrom, nextFeedPageUrl, urlsFor } from './feed.ts';

describe('feedFor', () => {
  it('lists records page by page, with links to the next and previous pages', () => {
    const first = feedFor({ page: 1, pageSize: 3, total: 7 });
    expect(first.items.map((i) => i.id)).toEqual(['1', '2', '3']);
    expect(first).toMatchObject({
      totalPages: 3,
      totalItems: 7,
      next: '/feed?page=2&pageSize=3&total=7',
      prev: null,
    });
    const last = feedFor({ page: 3, pageSize: 3, total: 7 });
    expect(last.items.map((i) => i.id)).toEqual(['7']);
    expect(last).toMatchObject({ next: null, prev: '/feed?page=2&pageSize=3&total=7' });
    expect(feedFor({ page: 9, pageSize: 3, total: 7 }).items).toEqual([]);
  });

  it('describes each item as the record it links to', () => {
    const [item] = feedFor({ page: 2 }).items;
    const record = recordFor(21);
    expect(item).toEqual({
      id: '21',
      title: record.title,
      author: record.author.name,
      publishedAt: record.publishedAt,
      url: '/records/21',
    });
    expect(feedFor().next).toBe('/feed?page=2');
  });
});

describe('feed paging', () => {
  it('names the next page in an absolute Link header, except on the last page', () => {
    expect(feedLinkHeader('http://127.0.0.2:8080', { page: 1, pageSize: 3, total: 7 })).toBe(
      '<http://127.0.0.2:8080/feed?page=2&pageSize=3&total=7>; rel="next"',
    );
    expect(feedLinkHeader('http://h', {})).toBe('<http://h/feed?page=2>; rel="next"');
    expect(feedLinkHeader('http://h', { page: 3, pageSize: 3, total: 7 })).toBeUndefined();
    expect(feedLinkHeader('http://h', { total: 0 })).toBeUndefined();
  });

  it('pages the Atom feed the same way, under its own path', () => {
    expect(nextFeedPageUrl({ page: 2, pageSize: 3, total: 7 }, 'atom')).toBe(
      '/feed.atom?page=3&pageSize=3&total=7',
    );
    expect(nextFeedPageUrl({ page: 2, pageSize: 3, total: 7 })).toBe(
      feedFor({ page: 2, pageSize: 3, total: 7 }).next,
    );
  });

  it('reads the paging parameters of a query, with the defaults for those left out', () => {
    expect(feedOptionsFrom(undefined)).toEqual({ page: 1, pageSize: 20, total: 1000 });
    expect(feedOptionsFrom(new URLSearchParams('page=3&total=7'))).toEqual({
      page: 3,
      pageSize: 20,
      total: 7,
    });
    expect(() => feedOptionsFrom(new URLSearchParams('pageSize=0'))).toThrow(
      /pageSize must be an integer 1\.\.1000/,
    );
  });
});

describe('urlsFor', () => {
  it('lists absolute URLs with consecutive ids and the parameters asked for', () => {
    expect(urlsFor({ origin: 'http://127.0.0.1:8080', count: 3, start: 5, params: 'latency=300' })).toEqual([
      'http://127.0.0.1:8080/records/5?latency=300',
      'http://127.0.0.1:8080/records/6?latency=300',
      'http://127.0.0.1:8080/records/7?latency=300',
    ]);
    expect(urlsFor({ origin: 'http://h', count: 2, kind: 'mixed' })).toEqual([
      'http://h/records/1',
      'http://h/pages/2',
    ]);
    expect(urlsFor({ origin: 'http://h', count: 0 })).toEqual([]);
  });
});
