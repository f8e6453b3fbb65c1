import { type FeedOptions, feedFor, feedPageUrl, feedUpdatedAt, nextFeedPageUrl } from './feed.ts';
// escapeHtml writes numeric character references (`&#38;`), which XML reads the same way.
import { escapeHtml } from './page-html.ts';

/**
 * `/feed.atom?page=n`: the records of `/feed` as an Atom 1.0 document (RFC 4287), paged the same way with the
 * same `pageSize` and `total` parameters and defaults, and linked as RFC 5005 paged feeds are: `rel="self"`
 * on every page and `rel="next"` on every page but the last, both absolute. Each entry links to its record,
 * absolute, so a discoverer finds `<origin>/records/<id>` for every item without resolving anything.
 */

/** Atom ids are permanent and the same on every host that serves the feed: tag URIs (RFC 4151). */
const TAG = 'tag:demo-api.tributary.test,2020';

/** Every page of one feed (same pageSize and total) shares the feed's id, as RFC 5005 pages do. */
function feedId(pageSize: number, total: number): string {
  return `${TAG}:feed/records/${pageSize}/${total}`;
}

export function atomFeedXml(origin: string, options: FeedOptions = {}): string {
  const feed = feedFor(options);
  const { page, pageSize, totalItems: total } = feed;
  const self = `${origin}${feedPageUrl(page, pageSize, total, 'atom')}`;
  const next = nextFeedPageUrl({ page, pageSize, total }, 'atom');
  const links = [`<link rel="self" href="${escapeHtml(self)}"/>`];
  if (next !== undefined) links.push(`<link rel="next" href="${escapeHtml(`${origin}${next}`)}"/>`);
  const entries = feed.items.map(
    (item) => `<entry>
<id>${TAG}:records/${item.id}</id>
<title>${escapeHtml(item.title)}</title>
<updated>${item.publishedAt}</updated>
<published>${item.publishedAt}</published>
<author><name>${escapeHtml(item.author)}</name></author>
<link href="${escapeHtml(`${origin}${item.url}`)}"/>
</entry>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${feedId(pageSize, total)}</id>
<title>Demo API records</title>
<updated>${feedUpdatedAt(feed.items)}</updated>
${links.join('\n')}
${entries.length === 0 ? '' : `${entries.join('\n')}\n`}</feed>
`;
}
