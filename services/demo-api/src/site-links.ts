/**
 * The link structure of the small site discovery tests crawl (`/site/`), as pure functions of a page number and
 * the number of live pages. The site is a ternary tree numbered breadth-first: the home is page 0 and page n's
 * children are 3n+1, 3n+2 and 3n+3, so a page's depth from the home is fixed by its number (home 0, pages 1–3
 * depth 1, 4–12 depth 2, 13–39 depth 3, ...) and breadth-first order is numeric order. Every live page's parent
 * is a smaller number, so every live page is reachable from the home, whatever the live count.
 *
 * Besides the tree, each page carries the links a crawler has to judge rather than follow blindly: back to the
 * home and the parent (already seen), a page robots.txt disallows, an off-site URL, a fragment of itself, and on
 * every fifth page a duplicate URL of an earlier page whose canonical link names that page.
 */

export const SITE_HOME_PATH = '/site/';
/** What robots.txt disallows: `/site/private/n` exists so that a request there shows in `/stats`. */
export const SITE_PRIVATE_PREFIX = '/site/private/';
/** The host of every off-site link; `.example` never resolves. */
export const SITE_EXTERNAL_ORIGIN = 'http://other.example';
/**
 * The most pages the site can have: with the home, 100,000 URLs, which the two sitemaps split into files of at
 * most 50,000, the protocol's limit per file.
 */
export const SITE_MAX_PAGES = 99_999;

export type SiteLinkKind = 'home' | 'parent' | 'child' | 'duplicate' | 'private' | 'external' | 'fragment';

export interface SiteLink {
  kind: SiteLinkKind;
  /**
   * The href exactly as the page writes it: root-relative (`/site/pages/4`), document-relative for the parent
   * (`1` from `/site/pages/4`, `../` from pages 1–3), absolute off-site, or `#top`.
   */
  href: string;
  /** The site page it leads to (0 for the home): set on home, parent, child and duplicate links. */
  page?: number;
}

/** The path of page n: the home for 0. */
export function sitePagePath(page: number): string {
  return page === 0 ? SITE_HOME_PATH : `/site/pages/${page}`;
}

export function sitePrivatePath(page: number): string {
  return `${SITE_PRIVATE_PREFIX}${page}`;
}

/**
 * The page number of a `/site/pages/:id` id, or undefined when it is not one: only the plain decimal form
 * (`7`, not `07` or `7.0`) names a page, so a page has exactly one path.
 */
export function parseSitePage(id: string): number | undefined {
  return /^[1-9]\d{0,5}$/.test(id) ? Number(id) : undefined;
}

/** Throws RangeError unless `pages` is a live page count: an integer 0..SITE_MAX_PAGES. */
export function checkSitePages(pages: number): void {
  if (!Number.isInteger(pages) || pages < 0 || pages > SITE_MAX_PAGES) {
    throw new RangeError(`the site's page count must be an integer 0..${SITE_MAX_PAGES}, got ${pages}`);
  }
}

/** Whether page n is served when the site has `pages` live pages (the home always is). */
export function isLiveSitePage(page: number, pages: number): boolean {
  return Number.isInteger(page) && page >= 0 && page <= pages;
}

/** The parent of page n ≥ 1 (0 for pages 1–3, the home); undefined for the home. */
export function siteParent(page: number): number | undefined {
  return page === 0 ? undefined : Math.floor((page - 1) / 3);
}

/** Link hops from the home to page n along the tree, the shortest way there is. */
export function siteDepth(page: number): number {
  let depth = 0;
  for (let n = page; n > 0; n = Math.floor((n - 1) / 3)) depth++;
  return depth;
}

/** The children of page n that are live: 3n+1..3n+3, at most `pages`. */
export function siteChildren(page: number, pages: number): number[] {
  const children: number[] = [];
  for (let child = 3 * page + 1; child <= Math.min(3 * page + 3, pages); child++) children.push(child);
  return children;
}

/**
 * The page every fifth page links to under a duplicate URL (`?ref=dup`): half its number, rounded up. Always an
 * earlier page (so live whenever the linking page is, and no deeper), so a duplicate never leads a crawler
 * anywhere the tree does not: however a crawler treats canonical links, it reaches the same pages.
 */
export function siteDuplicateOf(page: number): number | undefined {
  return page > 0 && page % 5 === 0 ? Math.ceil(page / 2) : undefined;
}

/** The href of a duplicate URL of page n: any query string on `/site/pages/n` serves the same page. */
export function siteDuplicateHref(page: number): string {
  return `${sitePagePath(page)}?ref=dup`;
}

/**
 * The links page n writes, in document order, when the site has `pages` live pages. The home links to its
 * children only. Page n links home, up, to its live children, to a duplicate (every fifth page), to its private
 * page, off-site and to its own top.
 */
export function siteLinks(page: number, pages: number): SiteLink[] {
  const children = siteChildren(page, pages).map(
    (child): SiteLink => ({ kind: 'child', href: sitePagePath(child), page: child }),
  );
  const parent = siteParent(page);
  if (parent === undefined) return children;
  const links: SiteLink[] = [
    { kind: 'home', href: SITE_HOME_PATH, page: 0 },
    // Document-relative on purpose: a crawler has to resolve it against the page's own URL.
    { kind: 'parent', href: parent === 0 ? '../' : String(parent), page: parent },
    ...children,
  ];
  const duplicate = siteDuplicateOf(page);
  if (duplicate !== undefined) {
    links.push({ kind: 'duplicate', href: siteDuplicateHref(duplicate), page: duplicate });
  }
  links.push(
    { kind: 'private', href: sitePrivatePath(page) },
    { kind: 'external', href: `${SITE_EXTERNAL_ORIGIN}/${page}` },
    { kind: 'fragment', href: '#top' },
  );
  return links;
}
