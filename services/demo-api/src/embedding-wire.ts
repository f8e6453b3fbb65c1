import { embeddingBase64 } from './embedding.ts';
import type { EmbeddingDialect, EmbeddingRejection, EmbeddingRequest } from './embedding-request.ts';

/**
 * The bodies of the embedding routes, in the shape the real servers send, so that a client's parsing and error
 * handling is tested against what it will meet:
 *
 *   OpenAI: { object: "list", data: [{ object: "embedding", index, embedding }], model, usage }, errors
 *           { error: { message, type, param, code } } with OpenAI's types (invalid_request_error, requests,
 *           server_error);
 *   TEI:    [[...], ...], errors { error, error_type } with TEI's types (Validation, Empty, Overloaded,
 *           Unhealthy, Tokenizer, Backend).
 */

export interface OpenAiEmbeddingsBody {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The 200 body for vectors computed from the request, one per input, in order. */
export function embeddingsBody(
  dialect: EmbeddingDialect,
  request: EmbeddingRequest,
  vectors: readonly number[][],
): OpenAiEmbeddingsBody | number[][] {
  if (dialect === 'tei') return vectors as number[][];
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: request.encoding === 'base64' ? embeddingBase64(vector) : vector,
    })),
    model: request.model,
    usage: { prompt_tokens: request.tokens, total_tokens: request.tokens },
  };
}

/** OpenAI's `code` for each rejection. */
const OPENAI_CODES: Readonly<Record<EmbeddingRejection['kind'], string | null>> = {
  invalid: null,
  empty: 'empty_input',
  'body-too-large': 'body_too_large',
  'too-many-inputs': 'too_many_inputs',
  'too-many-tokens': 'too_many_tokens',
  refused: 'input_refused',
};

function openAiType(status: number): string {
  if (status === 429) return 'requests';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** TEI's error type by status, as its router maps them; a 400 is a Validation error unless the batch was empty. */
function teiType(status: number): string {
  switch (status) {
    case 413:
    case 400:
      return 'Validation';
    case 422:
      return 'Tokenizer';
    case 424:
      return 'Backend';
    case 429:
      return 'Overloaded';
    case 503:
      return 'Unhealthy';
    default:
      return status >= 500 ? 'Backend' : 'Validation';
  }
}

/** The body of a refused request. */
export function rejectionBody(dialect: EmbeddingDialect, rejection: EmbeddingRejection): unknown {
  if (dialect === 'tei') {
    const errorType = rejection.kind === 'empty' ? 'Empty' : teiType(rejection.status);
    return { error: rejection.message, error_type: errorType };
  }
  return {
    error: {
      message: rejection.message,
      type: 'invalid_request_error',
      param: rejection.param ?? null,
      code: OPENAI_CODES[rejection.kind],
    },
  };
}

/** The body of an error the server answers whatever the request: an injected fault, or the endpoint down. */
export function failureBody(dialect: EmbeddingDialect, status: number, message: string): unknown {
  if (dialect === 'tei') return { error: message, error_type: teiType(status) };
  return {
    error: {
      message,
      type: openAiType(status),
      param: null,
      code: status === 429 ? 'rate_limit_exceeded' : null,
    },
  };
}
