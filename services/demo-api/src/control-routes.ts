import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { type ContentOptions, MAX_PARAGRAPHS, MAX_VERSION } from './article.ts';
import { sendJson } from './content-route.ts';
import { FAULT_LIMITS } from './faults.ts';
import { type UrlKind, urlsFor } from './feed.ts';
import { requestOrigin } from './origin.ts';
import { boolParam, intParam, oneOfParam } from './query-params.ts';
import { ROUTES, type RouteMatch } from './routes.ts';
import type { DemoStats } from './stats.ts';

/**
 * The routes around the content: `/healthz`, `/metrics`, `/stats`, `/stats/reset`, `/control/revise`,
 * `/control/site`, `/control/embeddings`, `/urls`, and the 404 for everything else. They take no fault
 * parameters.
 */

export interface ControlContext {
  stats: DemoStats;
  registry: Registry;
  revise: (path: string, options: ContentOptions) => void;
  /** The server's own base URL, for `/urls` when the request has no usable Host header. */
  origin: () => string;
  /** The site's page count as configured: the most `/control/site?pages=` may set. */
  sitePages: number;
  /** Sets the site's live page count; undefined restores `sitePages`. */
  setLiveSitePages: (pages: number | undefined) => void;
  /** Takes the embedding endpoints down (503s) or brings them back. */
  setEmbeddingsDown: (down: boolean, options: { retryAfterSeconds?: number }) => void;
}

const URL_KINDS = ['records', 'pages', 'mixed'] as const satisfies readonly UrlKind[];

export async function serveControl(
  ctx: ControlContext,
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch,
): Promise<void> {
  const { route } = match;
  const { stats } = ctx;
  const query = new URLSearchParams(match.query);
  switch (route) {
    case ROUTES.healthz:
      stats.responded(route, 200, 'none');
      sendJson(res, 200, { status: 'ok' });
      return;
    case ROUTES.metrics: {
      const body = await ctx.registry.metrics();
      stats.responded(route, 200, 'none');
      res.writeHead(200, { 'content-type': ctx.registry.contentType, 'cache-control': 'no-store' }).end(body);
      return;
    }
    case ROUTES.stats: {
      const url = query.get('url');
      stats.responded(route, 200, 'none');
      const snapshot = stats.snapshot();
      sendJson(res, 200, url === null ? snapshot : { ...snapshot, url, attempts: stats.attempts(url) });
      return;
    }
    case ROUTES.statsReset:
      stats.reset();
      stats.responded(route, 204, 'none');
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
      return;
    case ROUTES.revise: {
      const path = query.get('path') ?? '';
      const content: ContentOptions = {};
      const version = intParam(query, 'version', { min: 1, max: MAX_VERSION });
      const paragraphs = intParam(query, 'paragraphs', { min: 1, max: MAX_PARAGRAPHS });
      if (version !== undefined) content.version = version;
      if (paragraphs !== undefined) content.paragraphs = paragraphs;
      ctx.revise(path, content);
      stats.responded(route, 200, 'none');
      sendJson(res, 200, { path, ...content });
      return;
    }
    case ROUTES.siteControl: {
      // Without `pages`, the whole site is live again: a test that shrank the site restores it the same way.
      const pages = intParam(query, 'pages', { min: 0, max: ctx.sitePages });
      ctx.setLiveSitePages(pages);
      stats.responded(route, 200, 'none');
      sendJson(res, 200, { pages: pages ?? ctx.sitePages, sitePages: ctx.sitePages });
      return;
    }
    case ROUTES.embeddingsControl: {
      // Without `down`, the endpoints are up again, as `/control/site` without `pages` restores the site.
      const down = boolParam(query, 'down') ?? false;
      const retryAfter = intParam(query, 'retryAfter', { min: 0, max: FAULT_LIMITS.maxRetryAfterSeconds });
      ctx.setEmbeddingsDown(down, retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter });
      stats.responded(route, 200, 'none');
      sendJson(res, 200, retryAfter === undefined || !down ? { down } : { down, retryAfter });
      return;
    }
    case ROUTES.urls: {
      const count = intParam(query, 'count', { min: 0, max: 1_000_000 }) ?? 100;
      const start = intParam(query, 'start', { min: 0, max: 1_000_000_000 }) ?? 1;
      const kind = oneOfParam(query, 'kind', URL_KINDS) ?? 'records';
      const format = oneOfParam(query, 'format', ['json', 'text']) ?? 'json';
      const origin = requestOrigin(req.headers.host, ctx.origin());
      const urls = urlsFor({ origin, count, start, kind, params: query.get('params') ?? '' });
      stats.responded(route, 200, 'none');
      if (format === 'json') {
        sendJson(res, 200, { count, urls });
        return;
      }
      const body = urls.length === 0 ? '' : `${urls.join('\n')}\n`;
      res
        .writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        })
        .end(body);
      return;
    }
    default:
      stats.responded(route, 404, 'none');
      sendJson(res, 404, { error: 'not found', path: match.target.split('?')[0] });
  }
}
