/**
 * The demo API's routes: request target → route pattern, id and query. Route patterns double as the
 * low-cardinality `route` label of metrics and stats.
 */

export const ROUTES = {
  record: '/records/:id',
  page: '/pages/:id',
  feed: '/feed',
  atomFeed: '/feed.atom',
  robots: '/robots.txt',
  sitemapIndex: '/sitemap.xml',
  sitemapFirst: '/sitemaps/site-1.xml',
  sitemapSecond: '/sitemaps/site-2.xml.gz',
  siteHome: '/site/',
  sitePage: '/site/pages/:id',
  sitePrivate: '/site/private/:id',
  urls: '/urls',
  embeddings: '/v1/embeddings',
  teiEmbed: '/embed',
  stats: '/stats',
  statsReset: '/stats/reset',
  revise: '/control/revise',
  siteControl: '/control/site',
  embeddingsControl: '/control/embeddings',
  metrics: '/metrics',
  healthz: '/healthz',
  unmatched: 'unmatched',
} as const;

export type RouteName = (typeof ROUTES)[keyof typeof ROUTES];

/** Routes that serve content and take fault parameters. */
export const CONTENT_ROUTES: ReadonlySet<RouteName> = new Set([ROUTES.record, ROUTES.page, ROUTES.feed]);

/**
 * Routes a discoverer reads (robots.txt, sitemaps, the Atom feed, the small site): no fault parameters, since
 * what a discovery test checks is what was found, and a site page with any query string is the same page.
 */
export const DISCOVERY_ROUTES: ReadonlySet<RouteName> = new Set([
  ROUTES.atomFeed,
  ROUTES.robots,
  ROUTES.sitemapIndex,
  ROUTES.sitemapFirst,
  ROUTES.sitemapSecond,
  ROUTES.siteHome,
  ROUTES.sitePage,
  ROUTES.sitePrivate,
]);

/** Routes that embed texts (OpenAI-compatible and Hugging Face TEI): POST only, with fault parameters of their own. */
export const EMBEDDING_ROUTES: ReadonlySet<RouteName> = new Set([ROUTES.embeddings, ROUTES.teiEmbed]);

/** Routes a test or a scraper uses to observe the API; the exact stats leave them out. */
export const OBSERVABILITY_ROUTES: ReadonlySet<RouteName> = new Set([
  ROUTES.stats,
  ROUTES.statsReset,
  ROUTES.metrics,
  ROUTES.healthz,
]);

const ALLOWED_METHODS: Readonly<Record<RouteName, readonly string[]>> = {
  [ROUTES.record]: ['GET', 'HEAD'],
  [ROUTES.page]: ['GET', 'HEAD'],
  [ROUTES.feed]: ['GET', 'HEAD'],
  [ROUTES.atomFeed]: ['GET', 'HEAD'],
  [ROUTES.robots]: ['GET', 'HEAD'],
  [ROUTES.sitemapIndex]: ['GET', 'HEAD'],
  [ROUTES.sitemapFirst]: ['GET', 'HEAD'],
  [ROUTES.sitemapSecond]: ['GET', 'HEAD'],
  [ROUTES.siteHome]: ['GET', 'HEAD'],
  [ROUTES.sitePage]: ['GET', 'HEAD'],
  [ROUTES.sitePrivate]: ['GET', 'HEAD'],
  [ROUTES.urls]: ['GET', 'HEAD'],
  [ROUTES.embeddings]: ['POST'],
  [ROUTES.teiEmbed]: ['POST'],
  [ROUTES.stats]: ['GET'],
  [ROUTES.statsReset]: ['POST'],
  [ROUTES.revise]: ['POST'],
  [ROUTES.siteControl]: ['POST'],
  [ROUTES.embeddingsControl]: ['POST'],
  [ROUTES.metrics]: ['GET'],
  [ROUTES.healthz]: ['GET', 'HEAD'],
  [ROUTES.unmatched]: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
};

export function allowedMethods(route: RouteName): readonly string[] {
  return ALLOWED_METHODS[route];
}

export interface RouteMatch {
  route: RouteName;
  /** The `:id` segment of `/records/:id`, `/pages/:id`, `/site/pages/:id` and `/site/private/:id`. */
  id: string | undefined;
  /** The query string without `?`; empty when there is none. */
  query: string;
  /** The request target as received: path and query. */
  target: string;
}

/** Ids are 1 to 128 URL-safe characters: `42`, `user-7`, `2024_report.v2`. */
const ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** Routes with an `:id` segment, by the path prefix before it. */
const PREFIXED: readonly (readonly [prefix: string, route: RouteName])[] = [
  ['/records/', ROUTES.record],
  ['/pages/', ROUTES.page],
  ['/site/pages/', ROUTES.sitePage],
  ['/site/private/', ROUTES.sitePrivate],
];

const FIXED: ReadonlyMap<string, RouteName> = new Map<string, RouteName>([
  ['/feed', ROUTES.feed],
  ['/feed.atom', ROUTES.atomFeed],
  ['/robots.txt', ROUTES.robots],
  ['/sitemap.xml', ROUTES.sitemapIndex],
  ['/sitemaps/site-1.xml', ROUTES.sitemapFirst],
  ['/sitemaps/site-2.xml.gz', ROUTES.sitemapSecond],
  ['/site/', ROUTES.siteHome],
  ['/urls', ROUTES.urls],
  ['/v1/embeddings', ROUTES.embeddings],
  ['/embed', ROUTES.teiEmbed],
  ['/stats', ROUTES.stats],
  ['/stats/reset', ROUTES.statsReset],
  ['/control/revise', ROUTES.revise],
  ['/control/site', ROUTES.siteControl],
  ['/control/embeddings', ROUTES.embeddingsControl],
  ['/metrics', ROUTES.metrics],
  ['/healthz', ROUTES.healthz],
]);

export function matchRoute(target: string): RouteMatch {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  const fixed = FIXED.get(path);
  if (fixed !== undefined) return { route: fixed, id: undefined, query, target };
  for (const [prefix, route] of PREFIXED) {
    if (!path.startsWith(prefix)) continue;
    const id = path.slice(prefix.length);
    if (ID.test(id)) return { route, id, query, target };
    break;
  }
  return { route: ROUTES.unmatched, id: undefined, query, target };
}
