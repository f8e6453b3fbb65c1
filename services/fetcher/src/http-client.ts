import type { IncomingHttpHeaders } from 'node:http';
import { Agent, buildConnector, type Dispatcher, errors as undiciErrors } from 'undici';
import { type AddressGuard, defaultPort } from './address-guard.ts';
import { observeError } from './classify.ts';
import { BodyTooLargeError, CorruptedResponseError, TooManyRedirectsError } from './errors.ts';
import { followRedirect, type HopRequest } from './redirects.ts';

/**
 * Upstream HTTP on undici's `Agent` + `request()` (keep-alive pools per origin; `fetch()` costs several times
 * the CPU per request). Every connection goes through the SSRF guard: the connector resolves the host,
 * refuses private addresses and connects to the address it checked. Redirects are followed here, hop by
 * hop, each one checked again; bodies are read up to a byte limit and never past it.
 */

export interface HttpClientOptions {
  guard: AddressGuard;
  connectTimeoutMs: number;
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Longest silence while the body streams. */
  bodyTimeoutMs: number;
  /**
   * Longest time one request may take in all, redirect hops and the whole body included: a body that trickles
   * in without ever falling silent for `bodyTimeoutMs` is cut off here instead of holding its slot for hours.
   */
  totalTimeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
  /** Sockets per origin: the per-host concurrency, so no request waits for a socket. */
  connectionsPerOrigin: number;
}

export interface HttpRequest {
  /** The job's URL, checked by requestUrl (request-url.ts). */
  url: URL;
  method?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  body?: string | undefined;
}

export interface HttpResponse {
  status: number;
  /** The URL that answered, after redirects. */
  finalUrl: string;
  headers: IncomingHttpHeaders;
  /** The body of a 2xx; empty for other statuses, HEAD and 304. */
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** How long an idle keep-alive connection is kept open. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** Errors while the body streams that mean it ended early: the response is incomplete, not the network down. */
const TRUNCATION_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #agent: Agent;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    const { guard, connectTimeoutMs } = options;
    const connectDirect = buildConnector({ timeout: connectTimeoutMs, allowH2: false });
    const connect: buildConnector.connector = (opts, callback) => {
      const port = opts.port ? Number(opts.port) : defaultPort(opts.protocol);
      withTimeout(guard.resolve(opts.hostname, port), connectTimeoutMs, opts.hostname).then(
        (pinned) => connectDirect(pinned ? { ...opts, hostname: pinned.address } : opts, callback),
        (err: Error) => callback(err, null),
      );
    };
    this.#agent = new Agent({
      connect,
      connections: options.connectionsPerOrigin,
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      maxResponseSize: options.maxBodyBytes,
    });
  }

  /**
   * Sends the request and follows redirects. Resolves with the final response for any status; rejects with
   * a FetchError (blocked address, invalid redirect URL, body too large, truncated body, too many redirects)
   * or undici's error (connect, headers and body timeouts, socket errors). Past `totalTimeoutMs` the request
   * is aborted with undici's BodyTimeoutError, so that it is classified as every other timeout.
   */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const { totalTimeoutMs } = this.#options;
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(
        new undiciErrors.BodyTimeoutError(
          `the response took over ${totalTimeoutMs} ms in all (redirects and body included)`,
        ),
      );
    }, totalTimeoutMs);
    try {
      return await this.#follow(request, deadline.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  async #follow(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const { guard, maxRedirects, userAgent } = this.#options;
    let hop: HopRequest = {
      url: request.url,
      method: request.method ?? 'GET',
      headers: { 'user-agent': userAgent, ...request.headers },
      body: request.body,
    };
    for (let redirects = 0; ; redirects++) {
      guard.checkUrl(hop.url);
      const response = await this.#agent.request({
        origin: hop.url.origin,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers,
        body: hop.body ?? null,
        signal,
      });
      let next: HopRequest | undefined;
      try {
        next = followRedirect(hop, response.statusCode, headerValue(response.headers.location));
      } catch (err) {
        await discard(response);
        throw err;
      }
      if (next !== undefined) {
        await discard(response);
        if (redirects >= maxRedirects) throw new TooManyRedirectsError(maxRedirects);
        hop = next;
        continue;
      }
      const wantsBody = response.statusCode >= 200 && response.statusCode < 300 && hop.method !== 'HEAD';
      let body: Buffer = EMPTY;
      if (wantsBody) body = await this.#readBody(response);
      else await discard(response);
      return {
        status: response.statusCode,
        finalUrl: hop.url.href,
        headers: response.headers,
        body,
      };
    }
  }

  /**
   * Reads the body up to the limit. A Content-Length above it is refused before reading; past it, undici's
   * parser stops (maxResponseSize) and closes the connection.
   */
  async #readBody(response: Dispatcher.ResponseData): Promise<Buffer> {
    const limit = this.#options.maxBodyBytes;
    const declared = Number(headerValue(response.headers['content-length']));
    if (Number.isFinite(declared) && declared > limit) {
      response.body.destroy();
      throw new BodyTooLargeError(limit, declared);
    }
    try {
      const bytes = await response.body.bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      const seen = observeError(err);
      const code = seen.kind === 'error' ? seen.code : undefined;
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw new BodyTooLargeError(limit);
      if (code !== undefined && TRUNCATION_CODES.has(code)) {
        throw new CorruptedResponseError('the body ended before it was complete', { cause: err });
      }
      throw err;
    }
  }

  /** Waits for requests in flight, then closes every connection. */
  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** Drains a body we do not keep so that its connection can be reused (undici closes it past a limit). */
async function discard(response: Dispatcher.ResponseData): Promise<void> {
  try {
    await response.body.dump();
  } catch {
    // The connection is closed instead; nothing to keep.
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, host: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new undiciErrors.ConnectTimeoutError(`resolving ${host} took over ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
