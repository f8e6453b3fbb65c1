import { Parser } from 'htmlparser2';
import { documentUrl, resolveFoundUrl } from './found-url.ts';

/**
 * The links of an HTML page a crawler follows, read with htmlparser2's streaming parser (no DOM is built):
 * `<a href>` and `<area href>`, resolved against the page's `<base href>` when it has one, the way a browser
 * would resolve them.
 */

export interface HtmlLinks {
  /** Absolute http(s) URLs without fragments, each once, in the order first seen; empty when `nofollow`. */
  links: string[];
  canonical?: string;
  /** The page asks robots not to follow its links (`<meta name="robots" content="nofollow">` or `none`). */
  nofollow: boolean;
}

const LINK_ELEMENTS = new Set(['a', 'area']);

/** `rel` and `<meta content>` hold token lists; HTML compares them ASCII case-insensitively. */
function tokens(value: string | undefined, separator: RegExp): string[] {
  return (value ?? '')
    .toLowerCase()
    .split(separator)
    .map((token) => token.trim());
}

/** The page fetched from `baseUrl`. */
export function extractLinks(html: string, baseUrl: string | URL): HtmlLinks {
  const page = documentUrl(baseUrl);
  const hrefs: string[] = [];
  let baseHref: string | undefined;
  let canonicalHref: string | undefined;
  let nofollow = false;

  const parser = new Parser({
    onopentag(name, attributes) {
      const href = attributes.href;
      if (LINK_ELEMENTS.has(name)) {
        if (href !== undefined && !tokens(attributes.rel, /\s+/).includes('nofollow')) {
          hrefs.push(href);
        }
      } else if (name === 'base') {
        // Only the first <base> with an href counts (HTML §4.2.3).
        if (baseHref === undefined && href !== undefined) baseHref = href;
      } else if (name === 'link') {
        if (
          canonicalHref === undefined &&
          href !== undefined &&
          tokens(attributes.rel, /\s+/).includes('canonical')
        ) {
          canonicalHref = href;
        }
      } else if (name === 'meta' && attributes.name?.trim().toLowerCase() === 'robots') {
        const directives = tokens(attributes.content, /,/);
        if (directives.includes('nofollow') || directives.includes('none')) nofollow = true;
      }
    },
  });
  parser.write(html);
  parser.end();

  // The base applies to every URL of the document, also those written before it, so links are resolved only
  // once the whole page is read. A base that is not http(s) (`javascript:`, `data:`) is ignored.
  const baseFound = baseHref === undefined ? undefined : resolveFoundUrl(baseHref, page);
  const base = baseFound === undefined ? page : new URL(baseFound);

  const result: HtmlLinks = { links: [], nofollow };
  const canonical = canonicalHref === undefined ? undefined : resolveFoundUrl(canonicalHref, base);
  if (canonical !== undefined) result.canonical = canonical;
  if (nofollow) return result;

  const seen = new Set<string>();
  for (const href of hrefs) {
    const url = resolveFoundUrl(href, base);
    if (url === undefined || seen.has(url)) continue;
    seen.add(url);
    result.links.push(url);
  }
  return result;
}
