import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { deliverBody } from './body-delivery.ts';
import { bufferSource, corruptJson } from './body-source.ts';
import { JSON_TYPE } from './content-cache.ts';
import { type RequestState, sendJson } from './content-route.ts';
import { demoEmbedding } from './embedding.ts';
import { parseEmbeddingFaults } from './embedding-faults.ts';
import {
  checkEmbeddingRequest,
  type EmbeddingDialect,
  type EmbeddingRejection,
  type EmbeddingServing,
  parseEmbeddingRequest,
} from './embedding-request.ts';
import { embeddingsBody, failureBody, rejectionBody } from './embedding-wire.ts';
import { InvalidParameterError } from './errors.ts';
import { defaultFaults, delayFor, type Faults, NO_FAULTS, retryAfterHeader } from './faults.ts';
import { readBody } from './request-body.ts';
import { planResponse } from './response-plan.ts';
import { ROUTES, type RouteMatch } from './routes.ts';
import type { DemoStats } from './stats.ts';

/**
 * Serves `POST /v1/embeddings` (OpenAI) and `POST /embed` (TEI). In order:
 *
 *   fault parameters (400 if unknown) → body read (413 past `maxBodyBytes`) → counted as sent → latency →
 *   down (503) → the response plan (hang, failFirst, fail, status) → the request's own 400/413 → vectors,
 *   with the body faults (corrupt, drip, truncate).
 *
 * Faults come before the request's own errors because they stand for the infrastructure in front of a model
 * server (a proxy's 503, a rate limiter's 429), which answers whatever the body holds.
 */

export interface EmbeddingOutage {
  /** Retry-After on the 503s, in seconds; none when undefined. */
  retryAfterSeconds: number | undefined;
}

export interface EmbeddingContext {
  stats: DemoStats;
  serving: EmbeddingServing;
  /** Bodies larger than this are refused with a 413 without being read. */
  maxBodyBytes: number;
  /** Set while the endpoints are down (`POST /control/embeddings?down=1`). */
  outage: () => EmbeddingOutage | undefined;
  random: () => number;
  wait: (ms: number) => Promise<boolean>;
  /** Wall clock, for Retry-After dates. */
  now: () => number;
}

const NO_EMBEDDING_FAULTS: Faults = defaultFaults(NO_FAULTS);

const DOWN_MESSAGE = 'the embeddings endpoint is down (POST /control/embeddings?down=0 brings it back)';

export async function serveEmbeddings(
  ctx: EmbeddingContext,
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch,
  state: RequestState,
): Promise<void> {
  const { route, target } = match;
  const dialect: EmbeddingDialect = route === ROUTES.teiEmbed ? 'tei' : 'openai';
  const { stats } = ctx;
  const reject = (rejection: EmbeddingRejection, headers: OutgoingHttpHeaders = {}) => {
    stats.responded(route, rejection.status, state.fault);
    sendJson(res, rejection.status, rejectionBody(dialect, rejection), headers);
  };

  // Parameters are validated before anything else, and refused in the dialect's shape: a client shows the
  // server's message from there, and it names the parameters the route takes.
  let faults = NO_EMBEDDING_FAULTS;
  try {
    if (match.query !== '') faults = parseEmbeddingFaults(new URLSearchParams(match.query));
  } catch (err) {
    if (!(err instanceof InvalidParameterError)) throw err;
    reject({ status: 400, kind: 'invalid', message: err.message, param: err.parameter });
    return;
  }
  const attempt = stats.attempt(target);

  const read = await readBody(req, ctx.maxBodyBytes);
  if (read.kind === 'gone') return;
  if (read.kind === 'too-large') {
    const message = `the body is larger than ${ctx.maxBodyBytes} bytes: send fewer or shorter inputs per request`;
    reject({ status: 413, kind: 'body-too-large', message, param: undefined }, { connection: 'close' });
    return;
  }
  const parsed = parseEmbeddingRequest(dialect, read.text, ctx.serving);
  if (parsed.ok) stats.embeddingsSent(parsed.request.inputs.length, parsed.request.tokens);

  const delayMs = delayFor(faults, ctx.random);
  if (delayMs > 0 && !(await ctx.wait(delayMs))) return;
  if (res.destroyed) return;

  const outage = ctx.outage();
  if (outage !== undefined) {
    state.fault = 'down';
    stats.decided('down');
    stats.responded(route, 503, 'down');
    const retryAfter = outage.retryAfterSeconds;
    sendJson(
      res,
      503,
      failureBody(dialect, 503, DOWN_MESSAGE),
      retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
    );
    return;
  }

  const plan = planResponse({ faults, url: target, attempt, roll: ctx.random });
  state.fault = plan.fault;
  stats.decided(plan.fault);
  switch (plan.kind) {
    case 'hang':
      return;
    case 'error': {
      stats.responded(route, plan.status, plan.fault);
      const retryAfter = retryAfterHeader(faults, ctx.now());
      sendJson(
        res,
        plan.status,
        failureBody(dialect, plan.status, `injected failure (${plan.fault}): ${plan.status}`),
        retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      );
      return;
    }
    case 'content':
      break;
    default:
      // parseEmbeddingFaults refuses the parameters that lead to redirects and empty answers.
      throw new Error(`the embedding routes have no answer for a ${plan.kind} plan`);
  }

  if (!parsed.ok) {
    reject(parsed.rejection);
    return;
  }
  const { request } = parsed;
  const rejection = checkEmbeddingRequest(request, dialect, ctx.serving);
  if (rejection !== undefined) {
    reject(rejection);
    return;
  }

  const vectors = request.inputs.map((input) => demoEmbedding(input, request.dimensions, request.model));
  const body = Buffer.from(JSON.stringify(embeddingsBody(dialect, request, vectors)));
  const headers: OutgoingHttpHeaders = { 'content-type': JSON_TYPE, 'cache-control': 'no-store' };
  stats.responded(route, 200, plan.fault);
  // Garbled or cut-off vectors were not delivered: a client has to ask again, and the counts say so.
  if (!faults.corrupt && faults.truncate === 'none') stats.embedded(request.inputs.length, request.tokens);
  if (plan.fault === 'none') {
    res.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
    return;
  }
  await deliverBody(res, 200, headers, bufferSource(faults.corrupt ? corruptJson(body) : body), {
    dripMs: faults.dripMs,
    dripBytes: faults.dripBytes,
    truncate: faults.truncate,
    wait: ctx.wait,
    // Body bytes in the stats are content bytes; embedding answers are counted by inputs and tokens.
    wrote: () => {},
  });
}
