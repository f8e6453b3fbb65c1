/**
 * The demo API's routes: request target → route pattern, id and query. Route patterns double as the
 * low-cardinality `route` label of metrics and stats.
 */

export const ROUTES = {
  record: '/records/:id',
  page: '/pages/:id',
  feed: '/feed',
  urls: '/urls',
  stats: '/stats',
  statsReset: '/stats/reset',
  revise: '/control/revise',
  metrics: '/metrics',
  healthz: '/healthz',
  unmatched: 'unmatched',
} as const;

export type RouteName = (typeof ROUTES)[keyof typeof ROUTES];

/** Routes that serve content and take fault parameters. */
export const CONTENT_ROUTES: ReadonlySet<RouteName> = new Set([ROUTES.record, ROUTES.page, ROUTES.feed]);

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
  [ROUTES.urls]: ['GET', 'HEAD'],
  [ROUTES.stats]: ['GET'],
  [ROUTES.statsReset]: ['POST'],
  [ROUTES.revise]: ['POST'],
  [ROUTES.metrics]: ['GET'],
  [ROUTES.healthz]: ['GET', 'HEAD'],
  [ROUTES.unmatched]: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
};

export function allowedMethods(route: RouteName): readonly string[] {
  return ALLOWED_METHODS[route];
}

export interface RouteMatch {
  route: RouteName;
  /** The `:id` segment of `/records/:id` and `/pages/:id`. */
  id: string | undefined;
  /** The query string without `?`; empty when there is none. */
  query: string;
  /** The request target as received: path and query. */
  target: string;
}

/** Ids are 1 to 128 URL-safe characters: `42`, `user-7`, `2024_report.v2`. */
const ID = /^[A-Za-z0-9._~-]{1,128}$/;

const FIXED: ReadonlyMap<string, RouteName> = new Map<string, RouteName>([
  ['/feed', ROUTES.feed],
  ['/urls', ROUTES.urls],
  ['/stats', ROUTES.stats],
  ['/stats/reset', ROUTES.statsReset],
  ['/control/revise', ROUTES.revise],
  ['/metrics', ROUTES.metrics],
  ['/healthz', ROUTES.healthz],
]);

export function matchRoute(target: string): RouteMatch {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  const fixed = FIXED.get(path);
  if (fixed !== undefined) return { route: fixed, id: undefined, query, target };
  let route: RouteName | undefined;
  let id: string | undefined;
  if (path.startsWith('/records/')) {
    route = ROUTES.record;
    id = path.slice('/records/'.length);
  } else if (path.startsWith('/pages/')) {
    route = ROUTES.page;
    id = path.slice('/pages/'.length);
  }
  if (route === undefined || id === undefined || !ID.test(id)) {
    return { route: ROUTES.unmatched, id: undefined, query, target };
  }
  return { route, id, query, target };
}
