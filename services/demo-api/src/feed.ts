import { articleMetaFor } from './article.ts';
import { intParam } from './query-params.ts';

/**
 * The paginated listing `/feed?page=n` serves and the URL lists `/urls?count=n` serves, as pure functions of
 * their options. Feed items are the records `1..total`, in id order. `/feed.atom` pages the same items the
 * same way (atom-feed.ts).
 */

export interface FeedOptions {
  /** 1-based page number. */
  page?: number;
  pageSize?: number;
  /** How many records the whole feed lists. */
  total?: number;
}

export interface FeedItem {
  id: string;
  title: string;
  author: string;
  publishedAt: string;
  /** Relative to the demo API: `/records/<id>`. */
  url: string;
}

export interface DemoFeed {
  page: number;
  pageSize: number;
  totalItems: number;
  totalPages: number;
  items: FeedItem[];
  /** Relative URL of the next page, or null on the last page. */
  next: string | null;
  prev: string | null;
}

export const FEED_DEFAULTS = { page: 1, pageSize: 20, total: 1000 } as const;

/** The Last-Modified of a page without items: the start of the content's time. */
const FEED_EPOCH = '2020-01-01T00:00:00.000Z';

/** The paths a feed is paged under: the JSON listing and its Atom form. */
export const FEED_PATHS = { json: '/feed', atom: '/feed.atom' } as const;

export type FeedFormat = keyof typeof FEED_PATHS;

/** The relative URL of a feed page; parameters at their defaults are left out (`/feed?page=2`). */
export function feedPageUrl(
  page: number,
  pageSize: number = FEED_DEFAULTS.pageSize,
  total: number = FEED_DEFAULTS.total,
  format: FeedFormat = 'json',
): string {
  let url = `${FEED_PATHS[format]}?page=${page}`;
  if (pageSize !== FEED_DEFAULTS.pageSize) url += `&pageSize=${pageSize}`;
  if (total !== FEED_DEFAULTS.total) url += `&total=${total}`;
  return url;
}

/** The options with their defaults applied. */
export function resolveFeedOptions(options: FeedOptions = {}): Required<FeedOptions> {
  return {
    page: options.page ?? FEED_DEFAULTS.page,
    pageSize: options.pageSize ?? FEED_DEFAULTS.pageSize,
    total: options.total ?? FEED_DEFAULTS.total,
  };
}

/** The feed options of a request's query (`page`, `pageSize`, `total`); throws InvalidParameterError. */
export function feedOptionsFrom(query: URLSearchParams | undefined): Required<FeedOptions> {
  return {
    page: (query && intParam(query, 'page', { min: 1, max: 1_000_000 })) ?? FEED_DEFAULTS.page,
    pageSize: (query && intParam(query, 'pageSize', { min: 1, max: 1_000 })) ?? FEED_DEFAULTS.pageSize,
    total: (query && intParam(query, 'total', { min: 0, max: 100_000_000 })) ?? FEED_DEFAULTS.total,
  };
}

/** The relative URL of the page after this one, or undefined on the last page (and past it). */
export function nextFeedPageUrl(options: FeedOptions = {}, format: FeedFormat = 'json'): string | undefined {
  const { page, pageSize, total } = resolveFeedOptions(options);
  return page < Math.ceil(total / pageSize) ? feedPageUrl(page + 1, pageSize, total, format) : undefined;
}

/**
 * The RFC 8288 `Link` header of a JSON feed page: the next page, absolute (a client following Link headers
 * resolves nothing against the body), or undefined on the last page.
 */
export function feedLinkHeader(origin: string, options: FeedOptions = {}): string | undefined {
  const next = nextFeedPageUrl(options);
  return next === undefined ? undefined : `<${origin}${next}>; rel="next"`;
}

/** When a feed page last changed: its newest item, or the start of the content's time for an empty page. */
export function feedUpdatedAt(items: readonly FeedItem[]): string {
  let latest = FEED_EPOCH;
  for (const item of items) if (item.publishedAt > latest) latest = item.publishedAt;
  return latest;
}

export function feedFor(options: FeedOptions = {}): DemoFeed {
  const { page, pageSize, total } = resolveFeedOptions(options);
  const totalPages = Math.ceil(total / pageSize);
  const items: FeedItem[] = [];
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  for (let n = first; n <= last; n++) {
    const id = String(n);
    const meta = articleMetaFor('record', id);
    items.push({
      id,
      title: meta.title,
      author: meta.author.name,
      publishedAt: meta.publishedAt,
      url: `/records/${id}`,
    });
  }
  return {
    page,
    pageSize,
    totalItems: total,
    totalPages,
    items,
    next: nextFeedPageUrl({ page, pageSize, total }) ?? null,
    prev: page > 1 ? feedPageUrl(Math.min(page - 1, Math.max(totalPages, 1)), pageSize, total) : null,
  };
}

export type UrlKind = 'records' | 'pages' | 'mixed';

export interface UrlListOptions {
  /** Scheme, host and port the URLs point at: `http://127.0.0.1:8080`. */
  origin: string;
  count: number;
  /** The first id; ids are consecutive. Default 1. */
  start?: number;
  /** `mixed` alternates records and pages. Default `records`. */
  kind?: UrlKind;
  /** A query string put on every URL (fault parameters for the fetcher to meet): `latency=300`. */
  params?: string;
}

export function urlsFor(options: UrlListOptions): string[] {
  const start = options.start ?? 1;
  const kind = options.kind ?? 'records';
  const query = options.params ? `?${options.params.replace(/^\?/, '')}` : '';
  const urls: string[] = new Array(options.count);
  for (let i = 0; i < options.count; i++) {
    const id = start + i;
    const route = kind === 'mixed' ? (i % 2 === 0 ? 'records' : 'pages') : kind;
    urls[i] = `${options.origin}/${route}/${id}${query}`;
  }
  return urls;
}
