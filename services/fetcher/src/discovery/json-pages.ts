import { readDotPath } from './dot-path.ts';
import { UnexpectedDocumentError } from './errors.ts';
import { documentUrl, resolveFoundUrl } from './found-url.ts';

/** Where a paginated JSON API keeps its items, each item's URL and the next page, as dot paths (dot-path.ts). */
export interface JsonPageOptions {
  /** The array of items. Default `items`. */
  itemsPath?: string | undefined;
  /** The URL inside each item; `''` when the items are URLs themselves. Default `url`. */
  itemUrlPath?: string | undefined;
  /** The next page's URL; null or absent on the last page. Default `next`. */
  nextPath?: string | undefined;
}

export interface JsonPage {
  /** The items' URLs, absolute, in the order of the items. */
  items: string[];
  /** Items without a usable URL at itemUrlPath: absent, not a string, or not an http(s) URL. */
  skipped: number;
  next?: string;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** One page of a paginated JSON API, fetched from `baseUrl`, against which relative URLs are resolved. */
export function parseJsonPage(body: string, baseUrl: string | URL, options: JsonPageOptions = {}): JsonPage {
  const itemsPath = options.itemsPath ?? 'items';
  const itemUrlPath = options.itemUrlPath ?? 'url';
  const nextPath = options.nextPath ?? 'next';
  const base = documentUrl(baseUrl);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (err) {
    throw new UnexpectedDocumentError(`JSON page from ${base.href} is not valid JSON`, { cause: err });
  }

  const found = readDotPath(document, itemsPath);
  if (found === undefined) {
    throw new UnexpectedDocumentError(`JSON page from ${base.href} has nothing at items path "${itemsPath}"`);
  }
  if (!Array.isArray(found)) {
    throw new UnexpectedDocumentError(
      `JSON page from ${base.href} has ${kindOf(found)} at items path "${itemsPath}", expected an array`,
    );
  }

  const items: string[] = [];
  let skipped = 0;
  for (const item of found) {
    const raw = readDotPath(item, itemUrlPath);
    const url = typeof raw === 'string' ? resolveFoundUrl(raw, base) : undefined;
    if (url === undefined) skipped += 1;
    else items.push(url);
  }

  const page: JsonPage = { items, skipped };
  const rawNext = readDotPath(document, nextPath);
  if (rawNext === undefined || rawNext === null || rawNext === '') return page;
  // A number or an object here is a cursor or a page number, another kind of pagination: reading it as the end
  // would stop silently after the first page.
  if (typeof rawNext !== 'string') {
    throw new UnexpectedDocumentError(
      `JSON page from ${base.href} has ${kindOf(rawNext)} at next path "${nextPath}", expected a URL or null`,
    );
  }
  const next = resolveFoundUrl(rawNext, base);
  if (next === undefined) {
    throw new UnexpectedDocumentError(
      `JSON page from ${base.href} has ${JSON.stringify(rawNext.slice(0, 200))} at next path "${nextPath}", expected an http(s) URL`,
    );
  }
  page.next = next;
  return page;
}
