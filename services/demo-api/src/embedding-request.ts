import { demoTokenCount, EMBEDDING_DEFAULTS, EMBEDDING_LIMITS } from './embedding.ts';

/**
 * What an embedding request asks for, read from the body of either wire format, and whether the API takes it.
 * Two steps, because the stats count what a client sent even when it is refused: `parseEmbeddingRequest` reads
 * the body (a 400 for a body no server would read), then `checkEmbeddingRequest` applies the limits (413, so a
 * client can split the batch) and the refusal marker (400, for good: the same input is refused in any batch).
 *
 *   OpenAI `POST /v1/embeddings`: { input: string | string[], model, dimensions?, encoding_format?, input_type? }
 *   TEI    `POST /embed`:         { inputs: string | string[], normalize?, truncate? }
 */

export type EmbeddingDialect = 'openai' | 'tei';

/** An input containing this is refused with a 400 naming its index, in whatever batch it comes. */
export const EMBEDDING_REFUSE_MARKER = 'DEMO-REFUSE';

export interface EmbeddingRequest {
  inputs: string[];
  /** As asked (OpenAI), or the served model (TEI). */
  model: string;
  dimensions: number;
  encoding: 'float' | 'base64';
  /** `demoTokenCount` over all inputs. */
  tokens: number;
}

/** Why a request is not answered with vectors; `kind` is stable, the message is for people. */
export type RejectionKind =
  | 'invalid'
  | 'empty'
  | 'body-too-large'
  | 'too-many-inputs'
  | 'too-many-tokens'
  | 'refused';

export interface EmbeddingRejection {
  status: 400 | 413;
  kind: RejectionKind;
  message: string;
  /** The request field at fault (OpenAI's `param`). */
  param: string | undefined;
}

export interface EmbeddingServing {
  /** The model TEI serves. */
  model: string;
  /** Dimensions when a request does not ask. */
  dimensions: number;
  maxInputs: number;
  maxTokens: number;
}

function checkInteger(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer 1..${max}, got ${value}`);
  }
}

/** The serving options with the defaults applied, checked; throws RangeError naming a bad one. */
export function embeddingServing(options: Partial<EmbeddingServing> = {}): EmbeddingServing {
  const serving = { ...EMBEDDING_DEFAULTS, ...options };
  if (serving.model === '') throw new RangeError('model must be a non-empty string');
  checkInteger('dimensions', serving.dimensions, EMBEDDING_LIMITS.maxDimensions);
  checkInteger('maxInputs', serving.maxInputs, EMBEDDING_LIMITS.maxInputs);
  checkInteger('maxTokens', serving.maxTokens, EMBEDDING_LIMITS.maxTokens);
  return serving;
}

export type ParsedEmbeddingRequest =
  | { ok: true; request: EmbeddingRequest }
  | { ok: false; rejection: EmbeddingRejection };

function invalid(
  message: string,
  param?: string,
  kind: 'invalid' | 'empty' = 'invalid',
): ParsedEmbeddingRequest {
  return { ok: false, rejection: { status: 400, kind, message, param } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The inputs as a list, or why they are not a string or a non-empty list of non-empty strings. */
function readInputs(value: unknown, field: string): string[] | ParsedEmbeddingRequest {
  if (value === undefined)
    return invalid(`\`${field}\` is missing: send a string or an array of strings`, field);
  const inputs = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(inputs)) {
    return invalid(`\`${field}\` must be a string or an array of strings, got ${typeof value}`, field);
  }
  if (inputs.length === 0) return invalid(`\`${field}\` cannot be empty`, field, 'empty');
  for (let i = 0; i < inputs.length; i++) {
    const input: unknown = inputs[i];
    // Token arrays (OpenAI accepts number[] inputs) are not supported: nothing here tokenizes for real.
    if (typeof input !== 'string') {
      return invalid(`'${field}[${i}]' must be a string, got ${JSON.stringify(input)}`, field);
    }
    if (input === '') return invalid(`'${field}[${i}]' is an empty string`, field, 'empty');
  }
  return inputs as string[];
}

function readOpenAi(body: Record<string, unknown>, serving: EmbeddingServing): ParsedEmbeddingRequest {
  const inputs = readInputs(body.input, 'input');
  if (!Array.isArray(inputs)) return inputs;
  const { model, dimensions, encoding_format: encoding, input_type: inputType } = body;
  if (typeof model !== 'string' || model === '') {
    return invalid('`model` must be a non-empty string: the model to embed with', 'model');
  }
  if (
    dimensions !== undefined &&
    (!Number.isInteger(dimensions) ||
      (dimensions as number) < 1 ||
      (dimensions as number) > EMBEDDING_LIMITS.maxDimensions)
  ) {
    return invalid(
      `\`dimensions\` must be an integer 1..${EMBEDDING_LIMITS.maxDimensions}, got ${JSON.stringify(dimensions)}`,
      'dimensions',
    );
  }
  if (encoding !== undefined && encoding !== 'float' && encoding !== 'base64') {
    return invalid(
      `\`encoding_format\` must be "float" or "base64", got ${JSON.stringify(encoding)}`,
      'encoding_format',
    );
  }
  // Accepted and ignored: queries and passages get comparable vectors, which is what a search test needs.
  if (inputType !== undefined && typeof inputType !== 'string') {
    return invalid(`\`input_type\` must be a string, got ${JSON.stringify(inputType)}`, 'input_type');
  }
  return {
    ok: true,
    request: {
      inputs,
      model,
      dimensions: (dimensions as number | undefined) ?? serving.dimensions,
      encoding: encoding ?? 'float',
      tokens: totalTokens(inputs),
    },
  };
}

function readTei(body: Record<string, unknown>, serving: EmbeddingServing): ParsedEmbeddingRequest {
  const inputs = readInputs(body.inputs, 'inputs');
  if (!Array.isArray(inputs)) return inputs;
  // `normalize` and `truncate` are accepted and change nothing: vectors are always unit length, and a request
  // over the token limit is refused whole rather than truncated.
  for (const flag of ['normalize', 'truncate']) {
    const value = body[flag];
    if (value !== undefined && typeof value !== 'boolean') {
      return invalid(`\`${flag}\` must be true or false, got ${JSON.stringify(value)}`, flag);
    }
  }
  return {
    ok: true,
    request: {
      inputs,
      model: serving.model,
      dimensions: serving.dimensions,
      encoding: 'float',
      tokens: totalTokens(inputs),
    },
  };
}

function totalTokens(inputs: readonly string[]): number {
  let tokens = 0;
  for (const input of inputs) tokens += demoTokenCount(input);
  return tokens;
}

/** Reads a request body in the dialect's format; a rejection is a 400. */
export function parseEmbeddingRequest(
  dialect: EmbeddingDialect,
  body: string,
  serving: EmbeddingServing,
): ParsedEmbeddingRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return invalid(`the body is not valid JSON (${(err as Error).message}): send a JSON object`);
  }
  if (!isObject(value)) return invalid('the body must be a JSON object');
  return dialect === 'openai' ? readOpenAi(value, serving) : readTei(value, serving);
}

/** Indexes listed in a message, at most this many. */
const LISTED_INDEXES = 10;

/** Whether the server takes a parsed request: the limits first (a client splits), then the marker. */
export function checkEmbeddingRequest(
  request: EmbeddingRequest,
  dialect: EmbeddingDialect,
  serving: EmbeddingServing,
): EmbeddingRejection | undefined {
  const field = dialect === 'openai' ? 'input' : 'inputs';
  const count = request.inputs.length;
  // Worded the way real servers word it ("too many inputs", "batch size", "maximum … tokens per request"), so a
  // client that recognises those recognises these.
  if (count > serving.maxInputs) {
    return {
      status: 413,
      kind: 'too-many-inputs',
      message: `Too many inputs: batch size ${count} > maximum allowed batch size ${serving.maxInputs}; send at most ${serving.maxInputs} inputs per request`,
      param: field,
    };
  }
  if (request.tokens > serving.maxTokens) {
    // An input over the limit alone cannot be helped by splitting: name it.
    const alone = request.inputs.findIndex((input) => demoTokenCount(input) > serving.maxTokens);
    const which =
      alone === -1
        ? `${request.tokens} in ${count} inputs`
        : `'${field}[${alone}]' alone has ${demoTokenCount(request.inputs[alone] as string)}`;
    return {
      status: 413,
      kind: 'too-many-tokens',
      message: `Too many tokens: ${which}, maximum ${serving.maxTokens} tokens per request`,
      param: field,
    };
  }
  const refused: number[] = [];
  request.inputs.forEach((input, i) => {
    if (input.includes(EMBEDDING_REFUSE_MARKER)) refused.push(i);
  });
  if (refused.length === 0) return undefined;
  const listed = refused
    .slice(0, LISTED_INDEXES)
    .map((i) => `'${field}[${i}]'`)
    .join(', ');
  const more = refused.length > LISTED_INDEXES ? ` and ${refused.length - LISTED_INDEXES} more` : '';
  const which =
    refused.length === 1
      ? `${listed} is refused: it contains`
      : `${listed}${more} are refused: each contains`;
  return {
    status: 400,
    kind: 'refused',
    message: `${which} ${EMBEDDING_REFUSE_MARKER}, which is refused in any request`,
    param: field,
  };
}
