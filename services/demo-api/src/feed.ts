import { articleMetaFor } from './article.ts';

/**
 * The paginated listing `/feed?page=n` serves and the URL lists `/urls?count=n` serves, as pure functions of
 * their options. Feed items are the records `1..total`, in id order.
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

function feedPageUrl(page: number, pageSize: number, total: number): string {
  let url = `/feed?page=${page}`;
  if (pageSize !== FEED_DEFAULTS.pageSize) url += `&pageSize=${pageSize}`;
  if (total !== FEED_DEFAULTS.total) url += `&total=${total}`;
  return url;
}

export function feedFor(options: FeedOptions = {}): DemoFeed {
  const page = options.page ?? FEED_DEFAULTS.page;
  const pageSize = options.pageSize ?? FEED_DEFAULTS.pageSize;
  const total = options.total ?? FEED_DEFAULTS.total;
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
    next: page < totalPages ? feedPageUrl(page + 1, pageSize, total) : null,
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
