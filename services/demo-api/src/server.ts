import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@tributary/core';
import { Registry } from 'prom-client';
import { type ContentOptions, checkContentOptions } from './article.ts';
import { ContentCache } from './content-cache.ts';
import {
  type ContentContext,
  type RequestState,
  revisionKey,
  sendJson,
  serveContent,
} from './content-route.ts';
import { type ControlContext, serveControl } from './control-routes.ts';
import { type DiscoveryContext, serveDiscovery } from './discovery-routes.ts';
import { EMBEDDING_LIMITS } from './embedding.ts';
import { type EmbeddingServing, embeddingServing } from './embedding-request.ts';
import { type EmbeddingContext, type EmbeddingOutage, serveEmbeddings } from './embedding-route.ts';
import { DemoApiStateError, InvalidParameterError } from './errors.ts';
import {
  defaultFaults,
  FAULT_LIMITS,
  type FaultDefaults,
  type Faults,
  NO_FAULTS,
  parseFaults,
} from './faults.ts';
import { PendingTimers } from './pending-timers.ts';
import {
  allowedMethods,
  CONTENT_ROUTES,
  DISCOVERY_ROUTES,
  EMBEDDING_ROUTES,
  matchRoute,
  ROUTES,
  type RouteMatch,
  type RouteName,
} from './routes.ts';
import { checkSitePages } from './site-links.ts';
import { DemoStats } from './stats.ts';

/**
 * The demo API: deterministic content with faults on demand, on plain node:http with keep-alive. Built to
 * be started in process by tests (port 0) and by main.ts for the demo and the benchmarks.
 */

export interface DemoApiOptions {
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Faults every content request gets unless its query parameters say otherwise. */
  defaults?: Partial<FaultDefaults>;
  /** Memory for rendered content (LRU). Default 64 MiB. */
  cacheMaxBytes?: number;
  /** Per-URL attempt counters kept (for `failFirst` and `stats.attempts()`). Default 100,000. */
  maxTrackedUrls?: number;
  /** Where the metrics go; by default a registry of the API's own. Never the global one. */
  registry?: Registry;
  logger?: Logger;
  /** Source of randomness for jitter and the error rate, [0, 1). Default Math.random. */
  random?: () => number;
  /** Pages of the discovery site (`/site/pages/1..n`), 0..99,999. Default 60. */
  sitePages?: number;
  /** The Crawl-delay robots.txt asks for, in seconds; 0 leaves the line out. Default 0.05. */
  crawlDelaySeconds?: number;
  /**
   * What `/v1/embeddings` and `/embed` serve: the TEI model (`demo-embed-384`), default dimensions (384), and
   * the most inputs (256) and tokens (8,192) one request may carry.
   */
  embeddings?: Partial<EmbeddingServing>;
}

export type DemoApiState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface DemoApi {
  /** Listens; resolves with the base URL (`http://127.0.0.1:port`) once it accepts connections. */
  start(): Promise<{ url: string; port: number }>;
  /** Stops at once: cancels latency and drip timers, destroys every socket (hanging ones too). Idempotent. */
  close(): Promise<void>;
  readonly state: DemoApiState;
  /** The base URL; throws before start(). */
  readonly url: string;
  readonly stats: DemoStats;
  readonly registry: Registry;
  /**
   * Sets the content options a content path serves from now on (`/pages/7` → `{ version: 2 }`), so the same
   * URL changes: for re-ingestion tests. Query parameters still win. An empty object restores the default.
   */
  revise(path: string, options: ContentOptions): void;
  /**
   * Sets how many of the site's pages are live from now on (0..`sitePages`), for sweep tests: later pages answer
   * 404 and the sitemaps and links leave them out. Undefined makes all `sitePages` live again. Per process, like
   * `revise()`.
   */
  setLiveSitePages(pages: number | undefined): void;
  /** How many of the site's pages are live now. */
  readonly liveSitePages: number;
  /**
   * Takes the embedding endpoints down (every request answers 503, with Retry-After when given) or brings them
   * back: for breaker tests. Per process, like `revise()`.
   */
  setEmbeddingsDown(down: boolean, options?: { retryAfterSeconds?: number }): void;
  /** Whether the embedding endpoints answer 503 now. */
  readonly embeddingsDown: boolean;
}

function revisionTarget(path: string): { route: typeof ROUTES.record | typeof ROUTES.page; id: string } {
  const match = matchRoute(path);
  if ((match.route !== ROUTES.record && match.route !== ROUTES.page) || match.id === undefined) {
    throw new InvalidParameterError('path', 'a content path such as /records/42 or /pages/42', path);
  }
  return { route: match.route, id: match.id };
}

/** Parsed fault parameters remembered by query string; the memory is simply cleared when full. */
const PARSED_FAULTS_KEPT = 10_000;

/** The longest close() waits for the close events of destroyed responses. */
const CLOSE_SETTLE_MS = 1_000;

export function createDemoApi(options: DemoApiOptions = {}): DemoApi {
  const sitePages = options.sitePages ?? 60;
  checkSitePages(sitePages);
  const crawlDelaySeconds = options.crawlDelaySeconds ?? 0.05;
  if (!Number.isFinite(crawlDelaySeconds) || crawlDelaySeconds < 0) {
    throw new RangeError(`crawlDelaySeconds must be a number ≥ 0, got ${crawlDelaySeconds}`);
  }
  const serving = embeddingServing(options.embeddings);
  const registry = options.registry ?? new Registry();
  const stats = new DemoStats({ registry, maxTrackedUrls: options.maxTrackedUrls ?? 100_000 });
  const defaults: FaultDefaults = { ...NO_FAULTS, ...options.defaults };
  const timers = new PendingTimers();
  const revisions = new Map<string, ContentOptions>();
  const parsedFaults = new Map<string, Faults>();
  const logger = options.logger;
  const ctx: ContentContext = {
    cache: new ContentCache({ maxBytes: options.cacheMaxBytes ?? 64 * 1024 * 1024 }),
    stats,
    baseFaults: defaultFaults(defaults),
    faultsFor(queryString, query) {
      // A benchmark sends thousands of URLs with the same fault parameters: parse each query string once.
      let faults = parsedFaults.get(queryString);
      if (faults === undefined) {
        faults = parseFaults(query, defaults);
        if (parsedFaults.size >= PARSED_FAULTS_KEPT) parsedFaults.clear();
        parsedFaults.set(queryString, faults);
      }
      return faults;
    },
    revisions,
    random: options.random ?? Math.random,
    wait: (ms) => timers.wait(ms),
    now: Date.now,
    origin: () => baseUrl ?? '',
  };

  let state: DemoApiState = 'idle';
  let liveSitePages = sitePages;
  let server: Server | undefined;
  let baseUrl: string | undefined;
  let closing: Promise<void> | undefined;
  /** Responses not ended or closed yet; close() waits for their close events so the stats are final. */
  let open = 0;
  let onIdle: (() => void) | undefined;

  function settled(route: RouteName, host: string | undefined): void {
    stats.finished(route, host);
    open--;
    if (open === 0) onIdle?.();
  }

  function revise(path: string, content: ContentOptions): void {
    checkContentOptions(content);
    const { route, id } = revisionTarget(path);
    const key = revisionKey(route, id);
    if (content.version === undefined && content.paragraphs === undefined) revisions.delete(key);
    else revisions.set(key, { ...content });
  }

  function setLiveSitePages(pages: number | undefined): void {
    if (pages !== undefined && (!Number.isInteger(pages) || pages < 0 || pages > sitePages)) {
      throw new RangeError(`the live page count must be an integer 0..${sitePages}, got ${pages}`);
    }
    liveSitePages = pages ?? sitePages;
  }

  let embeddingOutage: EmbeddingOutage | undefined;

  function setEmbeddingsDown(down: boolean, outage: { retryAfterSeconds?: number } = {}): void {
    const { retryAfterSeconds } = outage;
    if (
      retryAfterSeconds !== undefined &&
      (!Number.isInteger(retryAfterSeconds) ||
        retryAfterSeconds < 0 ||
        retryAfterSeconds > FAULT_LIMITS.maxRetryAfterSeconds)
    ) {
      throw new RangeError(
        `retryAfterSeconds must be an integer 0..${FAULT_LIMITS.maxRetryAfterSeconds}, got ${retryAfterSeconds}`,
      );
    }
    embeddingOutage = down ? { retryAfterSeconds } : undefined;
  }

  const control: ControlContext = {
    stats,
    registry,
    revise,
    origin: () => baseUrl ?? '',
    sitePages,
    setLiveSitePages,
    setEmbeddingsDown,
  };

  const embedding: EmbeddingContext = {
    stats,
    serving,
    maxBodyBytes: EMBEDDING_LIMITS.maxBodyBytes,
    outage: () => embeddingOutage,
    random: ctx.random,
    wait: ctx.wait,
    now: Date.now,
  };

  const discovery: DiscoveryContext = {
    stats,
    origin: () => baseUrl ?? '',
    livePages: () => liveSitePages,
    crawlDelaySeconds,
  };

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    match: RouteMatch,
    requestState: RequestState,
  ): Promise<void> {
    const { route } = match;
    const method = req.method ?? 'GET';
    const allowed = allowedMethods(route);
    if (!allowed.includes(method)) {
      stats.responded(route, 405, 'none');
      sendJson(res, 405, { error: 'method not allowed', allow: allowed }, { allow: allowed.join(', ') });
      return;
    }
    if (CONTENT_ROUTES.has(route)) {
      await serveContent(ctx, req, res, match, requestState);
      return;
    }
    if (EMBEDDING_ROUTES.has(route)) {
      await serveEmbeddings(embedding, req, res, match, requestState);
      return;
    }
    if (DISCOVERY_ROUTES.has(route)) {
      serveDiscovery(discovery, req, res, match);
      return;
    }
    await serveControl(control, req, res, match);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const match = matchRoute(req.url ?? '/');
    const { route } = match;
    const requestState: RequestState = { route, fault: 'none' };
    const host = req.headers.host;
    stats.arrived(route, host);
    open++;
    handle(req, res, match, requestState).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof InvalidParameterError) {
        stats.responded(route, 400, 'none');
        sendJson(res, 400, { error: 'invalid parameter', parameter: err.parameter, message: err.message });
        return;
      }
      logger?.error({ err, url: req.url }, 'demo-api request failed');
      stats.responded(route, 500, 'none');
      sendJson(res, 500, { error: 'internal error' });
    });
    // Cached content without faults is answered synchronously, above: no close listener needed for it.
    if (res.writableEnded) {
      settled(route, host);
      return;
    }
    res.once('close', () => {
      if (!res.headersSent) stats.abandoned(requestState.route, requestState.fault);
      settled(route, host);
    });
  }

  async function start(): Promise<{ url: string; port: number }> {
    if (state !== 'idle') throw new DemoApiStateError(`start() called in state ${state}`);
    state = 'starting';
    const host = options.host ?? '127.0.0.1';
    const created = createServer({ keepAlive: true, noDelay: true }, onRequest);
    // Clients (fetcher pools, autocannon) keep connections for as long as they like; close() ends them.
    created.keepAliveTimeout = 65_000;
    created.headersTimeout = 66_000;
    created.maxRequestsPerSocket = 0;
    server = created;
    try {
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(options.port ?? 8080, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      state = 'stopped';
      server = undefined;
      throw err;
    }
    if (closing !== undefined) {
      // close() was called while listening was under way: do not come back to life.
      created.close();
      throw new DemoApiStateError('close() was called before start() finished');
    }
    const { port } = created.address() as AddressInfo;
    const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
    baseUrl = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
    state = 'running';
    logger?.info({ url: baseUrl, defaults }, 'demo-api listening');
    return { url: baseUrl, port };
  }

  async function stop(): Promise<void> {
    state = 'stopping';
    timers.cancelAll();
    const running = server;
    if (running) {
      await new Promise<void>((resolve) => {
        running.close(() => resolve());
        running.closeAllConnections();
      });
    }
    // Destroyed sockets emit their responses' close events a moment after the server reports closed.
    if (open > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_SETTLE_MS);
        onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    ctx.cache.clear();
    state = 'stopped';
    logger?.info('demo-api closed');
  }

  return {
    start,
    close() {
      if (state === 'idle') state = 'stopped';
      closing ??= state === 'stopped' ? Promise.resolve() : stop();
      return closing;
    },
    get state() {
      return state;
    },
    get url() {
      if (baseUrl === undefined) throw new DemoApiStateError('the demo API has not started');
      return baseUrl;
    },
    stats,
    registry,
    revise,
    setLiveSitePages,
    get liveSitePages() {
      return liveSitePages;
    },
    setEmbeddingsDown,
    get embeddingsDown() {
      return embeddingOutage !== undefined;
    },
  };
}
