import { describe, expect, it } from 'vitest';
import { UnexpectedDocumentError } from './errors.ts';
import { parseFeed } from './feed.ts';

const BASE = 'https://news.example/feeds/all.xml';

describe('parseFeed: Atom', () => {
  const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>News</title>
  <link rel="self" href="https://news.example/feeds/all.xml"/>
  <link rel="next" href="/feeds/all.xml?page=2"/>
  <entry>
    <title>One</title>
    <link rel="enclosure" href="https://cdn.example/one.mp3"/>
    <link rel="alternate" type="text/html" href="https://news.example/one"/>
  </entry>
  <entry><title>Two</title><link href="/two#comments"/></entry>
  <entry><title>No page</title><link rel="edit" href="https://news.example/api/3"/></entry>
  <entry><title>Four</title><link rel="ALTERNATE" href="four"/></entry>
</feed>`;

  it('reads each entry’s alternate link, or its link without rel, and the next page', () => {
    expect(parseFeed(atom, BASE)).toEqual({
      entries: ['https://news.example/one', 'https://news.example/two', 'https://news.example/feeds/four'],
      next: 'https://news.example/feeds/all.xml?page=2',
    });
  });

  it('decodes character references in links, numeric ones included', () => {
    const escaped = `<feed xmlns="http://www.w3.org/2005/Atom">
      <link rel="next" href="/feed.atom?page=2&#38;pageSize=5&amp;total=12"/>
      <entry><link href="/r?a=1&#x26;b=2"/></entry>
    </feed>`;
    expect(parseFeed(escaped, BASE)).toEqual({
      entries: ['https://news.example/r?a=1&b=2'],
      next: 'https://news.example/feed.atom?page=2&pageSize=5&total=12',
    });
  });

  it('resolves against xml:base on the feed and on the entry', () => {
    const based = `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/posts/">
      <entry><link href="first"/></entry>
      <entry xml:base="/archive/"><link href="second"/></entry>
    </feed>`;
    expect(parseFeed(based, BASE)).toEqual({
      entries: ['https://blog.example/posts/first', 'https://blog.example/archive/second'],
    });
  });
});

describe('parseFeed: RSS', () => {
  const rss = `<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>News</title>
    <link>https://news.example/</link>
    <atom:link href="https://news.example/feeds/all.xml" rel="self" type="application/rss+xml"/>
    <atom:link href="https://news.example/feeds/all.xml?page=2" rel="next"/>
    <item><title>One</title><link> https://news.example/one </link><guid>https://news.example/?p=1</guid></item>
    <item><title>Two</title><guid isPermaLink="true">https://news.example/two</guid></item>
    <item><title>Three</title><guid isPermaLink="false">tag:news.example,2024:3</guid></item>
    <item><title>Four</title><link>/four</link></item>
  </channel>
</rss>`;

  it('reads each item’s link, falling back to a permalink guid, and the atom:link next page', () => {
    expect(parseFeed(rss, BASE)).toEqual({
      entries: ['https://news.example/one', 'https://news.example/two', 'https://news.example/four'],
      next: 'https://news.example/feeds/all.xml?page=2',
    });
  });

  it('has no next page when the channel names none', () => {
    const single =
      '<rss version="2.0"><channel><link>https://news.example/</link><item><link>https://news.example/x</link></item></channel></rss>';
    const feed = parseFeed(single, BASE);
    expect(feed).toEqual({ entries: ['https://news.example/x'] });
    expect('next' in feed).toBe(false);
  });

  it('reads RSS 1.0, whose items sit beside the channel', () => {
    const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://news.example/"><link>https://news.example/</link></channel>
      <item rdf:about="https://news.example/r1"><link>https://news.example/r1</link></item>
    </rdf:RDF>`;
    expect(parseFeed(rdf, BASE)).toEqual({ entries: ['https://news.example/r1'] });
  });
});

describe('parseFeed: not a feed', () => {
  it.each([
    ['an HTML page', '<html><head><title>x</title></head></html>', 'its root element is <html>'],
    [
      'a sitemap',
      '<urlset><url><loc>https://a.example/</loc></url></urlset>',
      'its root element is <urlset>',
    ],
    ['plain text', 'hello', 'it holds no XML element'],
  ])('throws UnexpectedDocumentError for %s', (_what, body, why) => {
    expect(() => parseFeed(body, BASE)).toThrow(UnexpectedDocumentError);
    expect(() => parseFeed(body, BASE)).toThrow(
      `body from ${BASE} is not a feed: ${why}, expected <feed>, <rss> or <rdf:RDF>`,
    );
  });
});
