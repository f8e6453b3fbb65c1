import {
  type EmbeddingError,
  EmbeddingRateLimitedError,
  EmbeddingRefusedError,
  EmbeddingTooLargeError,
  EmbeddingUnavailableError,
} from './errors.ts';

/**
 * What an embeddings endpoint's answer other than 2xx means, as data: the status, the endpoint's own message and
 * its Retry-After in, one of the embedder's errors out. Pure; the table-driven test in endpoint-failures.test.ts
 * is the specification.
 *
 * | answer                                                      | error                          |
 * | ----------------------------------------------------------- | ------------------------------ |
 * | 429; 503 with Retry-After                                   | rate-limited (Retry-After)     |
 * | 413; a 4xx or 5xx whose message says the request is too big | embedding-too-large            |
 * | 408 (timed out on the way); 424 (TEI: its backend failed)   | embedding-unavailable          |
 * | any other 4xx                                               | embedding-refused (not retried)|
 * | 5xx; anything else that is not 2xx                          | embedding-unavailable          |
 *
 * A too-large message is believed on a 5xx too: llama.cpp's server answers 500 "input is too large to process",
 * and retrying the same request can only get the same answer, while halving it can succeed.
 */

export interface EndpointAnswer {
  status: number;
  /** The endpoint's own message (`endpointMessage`), shortened and without the API key. */
  message: string | undefined;
  /** Parsed Retry-After, when the answer had one. */
  retryAfterMs: number | undefined;
  /** Inputs in the request: an index the message names is believed only below it. */
  inputs: number;
}

/**
 * The usual wordings of "the request is too large", by server (case-insensitive):
 * - OpenAI: "This model's maximum context length is 8192 tokens, however you requested 8193 tokens …",
 *   "Invalid 'input[3]': maximum context length is 8192 tokens.", "Requested 300001 tokens, max 300000 tokens per
 *   request", "Invalid 'input': array too long. Expected an array with maximum length 2048, …";
 * - vLLM: "This model's maximum context length is 512 tokens. However, you requested 1451 tokens in the input for
 *   embedding generation. Please reduce the length of the input.";
 * - TEI: "`inputs` must have less than 512 tokens. Given: 600", "batch size 64 > maximum allowed batch size 32"
 *   (both 413 there, but the same words through proxies that answer 400);
 * - Ollama: "the input length exceeds the context length", "input length exceeds maximum context length";
 * - llama.cpp: "input is too large to process. increase the physical batch size", "input is larger than the max
 *   context size";
 * - others (Cohere, Mistral, Voyage, LiteLLM passing them on): "too many tokens …", "Too many inputs in request",
 *   "The max allowed tokens per submitted batch is 120000", "input is too long".
 */
const TOO_LARGE_WORDINGS: readonly RegExp[] = [
  /maximum context length/i,
  /exceeds? (?:the |its |maximum |max )*context (?:length|size|window)/i,
  /larger than the max(?:imum)? context/i,
  /\btoo (?:long|large)\b/i,
  /\btoo many (?:tokens|inputs)\b/i,
  /\bmax(?:imum)? \d+ tokens per request\b/i,
  /\bmax(?:imum)? allowed tokens\b/i,
  /must have less than \d+ tokens/i,
  /maximum allowed batch size/i,
  /\barray too long\b/i,
];

/** "input[3]", "inputs[3]", "'$.input[3]'", "input 3", "input #3", "index 3". */
const INPUT_INDEX_WORDINGS: readonly RegExp[] = [
  /\binputs?\s*\[\s*(\d+)\s*\]/i,
  /\b(?:input|index)\s+#?(\d+)\b/i,
];

/** Longest part of the endpoint's message kept: enough for any server's wording, not a whole echoed input. */
const MAX_MESSAGE_CHARS = 500;

/**
 * The endpoint's own message in an error body: OpenAI's and vLLM's `error.message`, TEI's and Ollama's `error`,
 * an older vLLM's top-level `message`, FastAPI's `detail`; else the body's text. Shortened to MAX_MESSAGE_CHARS,
 * the API key (if the endpoint echoed it) replaced, undefined when the body says nothing.
 */
export function endpointMessage(body: string, apiKey?: string | undefined): string | undefined {
  let said = messageIn(body) ?? body;
  if (apiKey) said = said.replaceAll(apiKey, '[redacted]');
  said = said.replace(/\s+/g, ' ').trim();
  if (said === '') return undefined;
  return said.length > MAX_MESSAGE_CHARS ? `${said.slice(0, MAX_MESSAGE_CHARS)}…` : said;
}

function messageIn(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { error, message, detail } = parsed as Record<string, unknown>;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const inner = (error as Record<string, unknown>).message;
    if (typeof inner === 'string') return inner;
  }
  if (typeof message === 'string') return message;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const messages = detail
      .map((item) => (item as { msg?: unknown } | null)?.msg)
      .filter((m) => typeof m === 'string');
    if (messages.length > 0) return messages.join('; ');
  }
  return undefined;
}

export function saysTooLarge(message: string | undefined): boolean {
  return message !== undefined && TOO_LARGE_WORDINGS.some((wording) => wording.test(message));
}

/** The input the message names, when it names one that the request has. */
export function namedInput(message: string | undefined, inputs: number): number | undefined {
  if (message === undefined) return undefined;
  for (const wording of INPUT_INDEX_WORDINGS) {
    const index = Number(wording.exec(message)?.[1]);
    if (Number.isSafeInteger(index) && index < inputs) return index;
  }
  return undefined;
}

export function errorForAnswer(answer: EndpointAnswer): EmbeddingError {
  const { status, message, retryAfterMs, inputs } = answer;
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    return new EmbeddingRateLimitedError(status, retryAfterMs, message);
  }
  if (status === 413 || (status >= 400 && status < 600 && saysTooLarge(message))) {
    return new EmbeddingTooLargeError(status, message, namedInput(message, inputs));
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 424) {
    return new EmbeddingRefusedError(status, message, namedInput(message, inputs));
  }
  const what = status >= 500 ? 'failed' : 'did not answer 2xx';
  return new EmbeddingUnavailableError(
    `embedding endpoint ${what} (${status})${message === undefined ? '' : `: ${message}`}`,
    { status, retryAfterMs },
  );
}
