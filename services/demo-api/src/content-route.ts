import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type ContentOptions, MAX_PARAGRAPHS, MAX_VERSION } from './article.ts';
import { deliverBody } from './body-delivery.ts';
import {
  type BodySource,
  bufferSource,
  corruptJson,
  largeHtmlSource,
  largeJsonSource,
} from './body-source.ts';
import { isNotModified } from './conditional.ts';
import { type ContentCache, HTML_TYPE, JSON_TYPE, type Representation } from './content-cache.ts';
import { delayFor, type Faults, retryAfterHeader } from './faults.ts';
import { feedLinkHeader, feedOptionsFrom } from './feed.ts';
import { requestOrigin } from './origin.ts';
import { intParam } from './query-params.ts';
import { type FaultLabel, planResponse } from './response-plan.ts';
import { ROUTES, type RouteMatch, type RouteName } from './routes.ts';
import type { DemoStats } from './stats.ts';

/**
 * Serves `/records/:id`, `/pages/:id` and `/feed`: parses the fault parameters, waits the latency, follows
 * the response plan, and sends the content with its validators, a 304, or the fault asked for.
 */

export interface ContentContext {
  cache: ContentCache;
  stats: DemoStats;
  /** The faults of a request without parameters (the server's defaults), parsed once. */
  baseFaults: Faults;
  /** Parses (or recalls) the faults of a query string; throws InvalidParameterError. */
  faultsFor: (queryString: string, query: URLSearchParams) => Faults;
  /** Content options set by `revise()`, by `route id`; query parameters override them. */
  revisions: ReadonlyMap<string, ContentOptions>;
  random: () => number;
  wait: (ms: number) => Promise<boolean>;
  now: () => number;
  /** The server's own base URL, for absolute links when a request has no usable Host header. */
  origin: () => string;
}

/** Per-request state the response's close handler reads. */
export interface RequestState {
  route: RouteName;
  fault: FaultLabel;
}

export function revisionKey(route: RouteName, id: string): string {
  return `${route} ${id}`;
}

function contentOptions(
  query: URLSearchParams | undefined,
  revised: ContentOptions | undefined,
): ContentOptions {
  const version = (query && intParam(query, 'version', { min: 1, max: MAX_VERSION })) ?? revised?.version;
  const paragraphs =
    (query && intParam(query, 'paragraphs', { min: 1, max: MAX_PARAGRAPHS })) ?? revised?.paragraphs;
  const options: ContentOptions = {};
  if (version !== undefined) options.version = version;
  if (paragraphs !== undefined) options.paragraphs = paragraphs;
  return options;
}

function validatorHeaders(representation: Representation): OutgoingHttpHeaders {
  return {
    'content-type': representation.contentType,
    etag: representation.etag,
    'last-modified': representation.lastModified,
    'cache-control': 'no-cache',
  };
}

/** A small JSON answer: errors, redirects' bodies, control routes. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = JSON.stringify(value);
  res
    .writeHead(status, {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...headers,
    })
    .end(body);
}

export async function serveContent(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch,
  state: RequestState,
): Promise<void> {
  const target = match.target;
  const query = match.query === '' ? undefined : new URLSearchParams(match.query);
  const { route, id } = match;
  // Parameters are validated before anything else; an InvalidParameterError becomes a 400 in the server.
  const faults = query === undefined ? ctx.baseFaults : ctx.faultsFor(match.query, query);
  const revised = id === undefined ? undefined : ctx.revisions.get(revisionKey(route, id));
  const options = route === ROUTES.feed ? undefined : contentOptions(query, revised);
  const feed = route === ROUTES.feed ? feedOptionsFrom(query) : undefined;
  const attempt = ctx.stats.attempt(target);

  const delayMs = delayFor(faults, ctx.random);
  if (delayMs > 0 && !(await ctx.wait(delayMs))) return;
  if (res.destroyed) return;

  const plan = planResponse({ faults, url: target, attempt, roll: ctx.random });
  state.fault = plan.fault;
  ctx.stats.decided(plan.fault);
  switch (plan.kind) {
    case 'hang':
      return;
    case 'redirect':
      ctx.stats.responded(route, plan.status, plan.fault);
      sendJson(res, plan.status, { redirect: plan.location }, { location: plan.location });
      return;
    case 'error': {
      ctx.stats.responded(route, plan.status, plan.fault);
      const retryAfter = retryAfterHeader(faults, ctx.now());
      sendJson(
        res,
        plan.status,
        { error: 'injected failure', status: plan.status, fault: plan.fault },
        retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      );
      return;
    }
    case 'empty':
      ctx.stats.responded(route, plan.status, plan.fault);
      res.writeHead(plan.status, { 'cache-control': 'no-store' }).end();
      return;
    case 'content':
      break;
  }

  const large = faults.sizeBytes !== undefined && !faults.corrupt;
  let representation: Representation | undefined;
  if (!large) {
    if (route === ROUTES.record && id !== undefined) representation = ctx.cache.record(id, options ?? {});
    else if (route === ROUTES.page && id !== undefined) representation = ctx.cache.page(id, options ?? {});
    else if (feed !== undefined) representation = ctx.cache.feed(feed);
  }

  if (representation !== undefined && plan.status === 200 && isNotModified(req.headers, representation)) {
    ctx.stats.responded(route, 304, plan.fault);
    const { 'content-type': _, ...headers } = validatorHeaders(representation);
    res.writeHead(304, headers).end();
    return;
  }

  // A feed page names the next one in a Link header too, absolute, for the Host the client asked.
  const link =
    feed === undefined ? undefined : feedLinkHeader(requestOrigin(req.headers.host, ctx.origin()), feed);
  ctx.stats.responded(route, plan.status, plan.fault);
  if (representation !== undefined && plan.fault === 'none') {
    // The common case, kept short: the cached bytes in one write.
    if (req.method !== 'HEAD') ctx.stats.wrote(route, representation.body.length);
    res
      .writeHead(200, link === undefined ? representation.headers : { ...representation.headers, link })
      .end(representation.body);
    return;
  }

  let source: BodySource;
  let headers: OutgoingHttpHeaders;
  if (faults.corrupt && representation !== undefined) {
    // Corrupt bytes carry no validators: they are not the representation the ETag names.
    source = bufferSource(corruptJson(representation.body));
    headers = { 'content-type': JSON_TYPE, 'cache-control': 'no-store' };
  } else if (representation !== undefined) {
    source = bufferSource(representation.body);
    headers = validatorHeaders(representation);
    if (link !== undefined) headers.link = link;
  } else {
    const size = faults.sizeBytes ?? 0;
    const html = route === ROUTES.page;
    source = html ? largeHtmlSource(id ?? '', size) : largeJsonSource(id ?? 'feed', size);
    headers = { 'content-type': html ? HTML_TYPE : JSON_TYPE, 'cache-control': 'no-store' };
  }
  await deliverBody(res, plan.status, headers, source, {
    dripMs: faults.dripMs,
    dripBytes: faults.dripBytes,
    truncate: faults.truncate,
    wait: ctx.wait,
    wrote: (bytes) => ctx.stats.wrote(route, bytes),
  });
}
