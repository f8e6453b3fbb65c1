import { UnexpectedDocumentError } from './errors.ts';
import { documentUrl, resolveFoundUrl } from './found-url.ts';
import { parseXmlRoot, type XmlElement } from './xml-document.ts';

/**
 * The entries of a feed: Atom (RFC 4287), RSS 2.0, and RSS 1.0 (RDF), whose items are read like RSS 2.0's.
 * The next page is a feed-level `<link rel="next">` (RFC 5005), written `<atom:link rel="next">` in RSS.
 */

export interface Feed {
  /** Each entry's link, absolute, in document order; entries without one are left out. */
  entries: string[];
  next?: string;
}

/** Atom's relation for the entry's own page: `alternate`, also when rel is absent, or written as its IRI. */
const ALTERNATE = new Set(['alternate', 'http://www.iana.org/assignments/relation/alternate']);

function rel(link: XmlElement): string {
  return (link.attribute('rel') ?? 'alternate').trim().toLowerCase();
}

/** Atom's `xml:base`, which may sit on any element and is resolved against the one around it. */
function baseOf(element: XmlElement, outer: URL): URL {
  const xmlBase = element.attribute('base');
  return (xmlBase === undefined ? null : URL.parse(xmlBase.trim(), outer.href)) ?? outer;
}

/** The first `<link rel="next" href>` among an element's children (RSS also has a text `<link>` there). */
function nextLink(parent: XmlElement, base: URL): string | undefined {
  for (const link of parent.children('link')) {
    const href = link.attribute('href');
    if (href === undefined || !rel(link).split(/\s+/).includes('next')) continue;
    const url = resolveFoundUrl(href, base);
    if (url !== undefined) return url;
  }
  return undefined;
}

function withNext(entries: string[], next: string | undefined): Feed {
  return next === undefined ? { entries } : { entries, next };
}

function atomEntryLink(entry: XmlElement, base: URL): string | undefined {
  for (const link of entry.children('link')) {
    const href = link.attribute('href');
    if (href === undefined || !ALTERNATE.has(rel(link))) continue;
    const url = resolveFoundUrl(href, base);
    if (url !== undefined) return url;
  }
  return undefined;
}

function readAtom(feed: XmlElement, documentBase: URL): Feed {
  const base = baseOf(feed, documentBase);
  const entries: string[] = [];
  for (const entry of feed.children('entry')) {
    const url = atomEntryLink(entry, baseOf(entry, base));
    if (url !== undefined) entries.push(url);
  }
  return withNext(entries, nextLink(feed, base));
}

/**
 * An RSS item's page: its `<link>`, else its `<guid>` unless the guid says `isPermaLink="false"` (a guid is a
 * permalink by default). An item may also carry an Atom `<atom:link href>`, read like Atom's.
 */
function rssItemLink(item: XmlElement, base: URL): string | undefined {
  for (const link of item.children('link')) {
    const href = link.attribute('href');
    const raw = href === undefined ? link.text() : ALTERNATE.has(rel(link)) ? href : '';
    const url = raw === '' ? undefined : resolveFoundUrl(raw, base);
    if (url !== undefined) return url;
  }
  const guid = item.children('guid')[0];
  if (guid === undefined || guid.attribute('isPermaLink')?.trim().toLowerCase() === 'false') return undefined;
  return guid.text() === '' ? undefined : resolveFoundUrl(guid.text(), base);
}

function readRss(channel: XmlElement | undefined, items: XmlElement[], base: URL): Feed {
  const entries: string[] = [];
  for (const item of items) {
    const url = rssItemLink(item, base);
    if (url !== undefined) entries.push(url);
  }
  return withNext(entries, channel === undefined ? undefined : nextLink(channel, base));
}

/**
 * The feed fetched from `baseUrl`, against which relative links are resolved (after Atom's `xml:base`).
 * Throws UnexpectedDocumentError for a body that is not an Atom or RSS feed.
 */
export function parseFeed(body: string, baseUrl: string | URL): Feed {
  const base = documentUrl(baseUrl);
  const from = `from ${base.href}`;
  const root = parseXmlRoot(body, `feed ${from}`);
  switch (root?.name) {
    case 'feed':
      return readAtom(root, base);
    case 'rss': {
      const channel = root.children('channel')[0];
      return readRss(channel, channel?.children('item') ?? [], base);
    }
    // RSS 1.0 keeps its items beside the channel, not in it.
    case 'RDF':
      return readRss(root.children('channel')[0], root.children('item'), base);
    default:
      throw new UnexpectedDocumentError(
        `body ${from} is not a feed: ${root === undefined ? 'it holds no XML element' : `its root element is <${root.name}>`}, expected <feed>, <rss> or <rdf:RDF>`,
      );
  }
}
