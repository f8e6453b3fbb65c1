import { parseRetryAfter } from '@tributary/core';
import { Agent } from 'undici';
import { endpointMessage, errorForAnswer } from './endpoint-failures.ts';
import { EmbeddingUnavailableError } from './errors.ts';

/**
 * One embeddings request, on undici's `Agent` + `request()` (keep-alive connections to the one endpoint; `fetch()`
 * costs several times the CPU per request), under a deadline on the whole request, body included. Two APIs:
 * - `openai`: POST `{ input, model, dimensions?, encoding_format: 'float', input_type? }` to `…/v1/embeddings`,
 *   answer `{ data: [{ index, embedding }] }` (vLLM, Ollama, LiteLLM, llama.cpp and most providers speak it);
 * - `tei`: POST `{ inputs, truncate: false }` to Hugging Face TEI's `…/embed`, answer `number[][]`.
 *
 * The answer is checked before anyone sees it: one vector per input, each an array of finite numbers, all of one
 * length (`dimensions` when set). Every failure is one of the embedder's errors (errors.ts): a 2xx that does not
 * parse or has another shape, a connection refused or reset, no answer in time are `embedding-unavailable`;
 * other statuses are classified by endpoint-failures.ts. The API key is sent and nowhere else: not in a message,
 * not in a log (this class logs nothing), and taken out of the endpoint's message if the endpoint echoes it.
 */

export type EmbeddingApi = 'openai' | 'tei';

export interface EmbeddingClientOptions {
  /** The whole endpoint URL: `http://host:port/v1/embeddings` (openai) or `http://host:port/embed` (tei); its query string is kept. */
  endpoint: string;
  api: EmbeddingApi;
  model: string;
  /** Sent as `dimensions` (openai) when set; every answer's vectors must have that length, whichever the API. */
  dimensions?: number | undefined;
  /** Sent as `Authorization: Bearer …`; never logged. */
  apiKey?: string | undefined;
  /** Longest time one request may take in all: connecting, waiting, and reading the whole answer. */
  timeoutMs: number;
  /** Concurrent connections to the endpoint. */
  connections: number;
  userAgent: string;
}

export interface EmbedOptions {
  /** Sent as `input_type` (openai) when given: `query`/`passage` for e5 servers, `search_document` for some providers. */
  inputType?: string | undefined;
}

/** How long an idle keep-alive connection is kept open. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export class EmbeddingClient {
  readonly #options: EmbeddingClientOptions;
  readonly #origin: string;
  readonly #path: string;
  /** The endpoint as messages name it: origin and path, without user info or query string (it may hold a key). */
  readonly #where: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #agent: Agent;
  #closed: Promise<void> | undefined;

  constructor(options: EmbeddingClientOptions) {
    const url = URL.parse(options.endpoint);
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(
        `the embedding endpoint must be an http(s) URL, got ${JSON.stringify(options.endpoint.slice(0, 200))}`,
      );
    }
    for (const name of ['timeoutMs', 'connections'] as const) {
      if (!Number.isSafeInteger(options[name]) || options[name] < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${options[name]}`);
      }
    }
    this.#options = options;
    this.#origin = url.origin;
    this.#path = `${url.pathname}${url.search}`;
    this.#where = `${url.origin}${url.pathname}`;
    this.#headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': options.userAgent,
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.#agent = new Agent({
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** One request for the texts; resolves with one vector per text, in their order. Rejects with an EmbeddingError. */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const { timeoutMs, apiKey } = this.#options;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    let status: number;
    let retryAfter: string | string[] | undefined;
    let text: string;
    try {
      const response = await this.#agent.request({
        origin: this.#origin,
        path: this.#path,
        method: 'POST',
        headers: this.#headers,
        body: JSON.stringify(this.#requestBody(texts, options)),
        signal: deadline.signal,
      });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      text = await response.body.text();
    } catch (err) {
      if (deadline.signal.aborted) {
        throw new EmbeddingUnavailableError(
          `embedding endpoint ${this.#where} did not answer within ${timeoutMs} ms`,
          { cause: err },
        );
      }
      throw new EmbeddingUnavailableError(
        `request to embedding endpoint ${this.#where} failed: ${describe(err)}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status >= 300) {
      throw errorForAnswer({
        status,
        message: endpointMessage(text, apiKey),
        retryAfterMs: parseRetryAfter(retryAfter, Date.now()),
        inputs: texts.length,
      });
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (err) {
      throw new EmbeddingUnavailableError(
        `embedding endpoint ${this.#where} answered ${status} with a body that is not JSON (${text.length} characters)`,
        { status, cause: err },
      );
    }
    const read = readVectors(this.#options.api, answer, texts.length, this.#options.dimensions);
    if ('wrong' in read) {
      throw new EmbeddingUnavailableError(
        `embedding endpoint ${this.#where} answered ${status} with ${read.wrong}`,
        { status },
      );
    }
    return read.vectors;
  }

  /** Waits for requests in flight, then closes every connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#agent.close();
    return this.#closed;
  }

  #requestBody(texts: readonly string[], options: EmbedOptions): object {
    const { api, model, dimensions } = this.#options;
    if (api === 'tei') return { inputs: texts, truncate: false };
    return {
      input: texts,
      model,
      ...(dimensions === undefined ? {} : { dimensions }),
      encoding_format: 'float',
      ...(options.inputType === undefined ? {} : { input_type: options.inputType }),
    };
  }
}

export type ReadVectors = { vectors: number[][] } | { wrong: string };

/**
 * The vectors of a parsed 2xx answer, in the inputs' order, or what is wrong with it (said to follow "answered
 * 200 with …"). OpenAI's items are put in the order of their `index` (an item without one stands at its
 * position); TEI's are in order already.
 */
export function readVectors(
  api: EmbeddingApi,
  answer: unknown,
  inputs: number,
  dimensions: number | undefined,
): ReadVectors {
  let vectors: unknown[];
  if (api === 'tei') {
    if (!Array.isArray(answer))
      return { wrong: `a JSON ${kindOf(answer)} where an array of vectors was expected` };
    vectors = answer;
  } else {
    const data = isRecord(answer) ? answer.data : undefined;
    if (!Array.isArray(data)) return { wrong: 'no `data` array' };
    if (data.length !== inputs) return { wrong: `${data.length} embeddings for ${inputs} inputs` };
    vectors = new Array(inputs);
    for (const [position, item] of data.entries()) {
      if (!isRecord(item)) return { wrong: `data[${position}] a JSON ${kindOf(item)}, not an object` };
      const index = item.index ?? position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs) {
        return {
          wrong: `data[${position}].index ${JSON.stringify(index)}, not an input's index (0..${inputs - 1})`,
        };
      }
      if (index in vectors) return { wrong: `two embeddings of index ${index}` };
      vectors[index] = item.embedding;
    }
  }
  if (vectors.length !== inputs) return { wrong: `${vectors.length} vectors for ${inputs} inputs` };
  const length = dimensions ?? (Array.isArray(vectors[0]) ? vectors[0].length : 0);
  for (const [index, vector] of vectors.entries()) {
    if (!Array.isArray(vector))
      return { wrong: `the vector of input ${index} a JSON ${kindOf(vector)}, not an array` };
    if (vector.length === 0) return { wrong: `an empty vector for input ${index}` };
    if (vector.length !== length) {
      return {
        wrong: `${vector.length} dimensions in the vector of input ${index}, expected ${length}${dimensions === undefined ? ' as in the first' : ''}`,
      };
    }
    for (let i = 0; i < vector.length; i++) {
      const value: unknown = vector[i];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return {
          wrong: `${JSON.stringify(value)} at [${i}] of the vector of input ${index}, not a finite number`,
        };
      }
    }
  }
  return { vectors: vectors as number[][] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** An error from the connection, by its code when it has one: `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.startsWith(code) ? `${code} ${err.message}` : err.message;
}
