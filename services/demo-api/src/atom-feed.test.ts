import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { atomFeedXml } from './atom-feed.ts';
import { feedFor } from './feed.ts';

const origin = 'http://127.0.0.2:8080';
const parser = new XMLParser({
  ignoreAttributes: false,
  htmlEntities: true,
  isArray: (name) => name === 'entry' || name === 'link',
});

interface AtomLink {
  '@_rel'?: string;
  '@_href': string;
}

/** Parses an Atom document after checking it is well-formed XML. */
function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const { feed } = parser.parse(xml);
  expect(feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
  const rel = (name: string) => (feed.link as AtomLink[]).find((l) => l['@_rel'] === name)?.['@_href'];
  return {
    feed,
    entries: (feed.entry ?? []) as Record<string, unknown>[],
    self: rel('self'),
    next: rel('next'),
  };
}

describe('atomFeedXml', () => {
  it('has one entry per feed item, with id, title, updated and an absolute link to the record', () => {
    const { feed, entries } = parse(atomFeedXml(origin, { page: 2, pageSize: 3, total: 7 }));
    const items = feedFor({ page: 2, pageSize: 3, total: 7 }).items;
    expect(entries.map((e) => (e.link as AtomLink[])[0]?.['@_href'])).toEqual([
      `${origin}/records/4`,
      `${origin}/records/5`,
      `${origin}/records/6`,
    ]);
    expect(entries[0]).toMatchObject({
      id: 'tag:demo-api.tributary.test,2020:records/4',
      title: items[0]?.title,
      updated: items[0]?.publishedAt,
      author: { name: items[0]?.author },
    });
    expect(typeof feed.id).toBe('string');
    expect(feed.updated).toBe(
      items
        .map((i) => i.publishedAt)
        .sort()
        .at(-1),
    );
  });

  it('links each page to itself and to the next page, absolute, with the same pageSize and total', () => {
    const first = parse(atomFeedXml(origin, { page: 1, pageSize: 3, total: 7 }));
    expect(first.self).toBe(`${origin}/feed.atom?page=1&pageSize=3&total=7`);
    expect(first.next).toBe(`${origin}/feed.atom?page=2&pageSize=3&total=7`);
    expect(parse(atomFeedXml(origin)).next).toBe(`${origin}/feed.atom?page=2`);
  });

  it('has no next link on the last page, past it, or in an empty feed', () => {
    for (const options of [
      { page: 3, pageSize: 3, total: 7 },
      { page: 9, pageSize: 3, total: 7 },
      { total: 0 },
    ]) {
      const page = parse(atomFeedXml(origin, options));
      expect(page.next).toBeUndefined();
      expect(page.self).toBeDefined();
    }
    expect(parse(atomFeedXml(origin, { total: 0 })).entries).toEqual([]);
  });

  it('gives every page of one feed the same feed id', () => {
    const ids = [1, 2, 3].map((page) => parse(atomFeedXml(origin, { page, pageSize: 3, total: 7 })).feed.id);
    expect(new Set(ids).size).toBe(1);
  });
});
