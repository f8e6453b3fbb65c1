import { describe, expect, it } from 'vitest';
import { recordFor } from './content.ts';
import { feedFor, urlsFor } from './feed.ts';

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
