import { describe, expect, it } from 'vitest';
import { demoTokenCount } from './embedding.ts';
import {
  checkEmbeddingRequest,
  EMBEDDING_REFUSE_MARKER,
  type EmbeddingDialect,
  type EmbeddingRejection,
  type EmbeddingRequest,
  embeddingServing,
  parseEmbeddingRequest,
} from './embedding-request.ts';

const serving = embeddingServing({ maxInputs: 4, maxTokens: 100 });

function parse(dialect: EmbeddingDialect, body: unknown): ReturnType<typeof parseEmbeddingRequest> {
  return parseEmbeddingRequest(dialect, typeof body === 'string' ? body : JSON.stringify(body), serving);
}

function parsed(dialect: EmbeddingDialect, body: unknown): EmbeddingRequest {
  const result = parse(dialect, body);
  if (!result.ok) throw new Error(result.rejection.message);
  return result.request;
}

function check(dialect: EmbeddingDialect, body: unknown): EmbeddingRejection | undefined {
  return checkEmbeddingRequest(parsed(dialect, body), dialect, serving);
}

describe('parseEmbeddingRequest', () => {
  it('reads an OpenAI request: one string or a list, the model as asked, dimensions and encoding', () => {
    expect(parsed('openai', { input: 'hello world', model: 'text-embedding-3-small' })).toEqual({
      inputs: ['hello world'],
      model: 'text-embedding-3-small',
      dimensions: 384,
      encoding: 'float',
      tokens: 3,
    });
    expect(
      parsed('openai', {
        input: ['a', 'abcde'],
        model: 'm',
        dimensions: 64,
        encoding_format: 'base64',
        input_type: 'query',
        user: 'ignored',
      }),
    ).toEqual({ inputs: ['a', 'abcde'], model: 'm', dimensions: 64, encoding: 'base64', tokens: 3 });
  });

  it('reads a TEI request with the served model and dimensions, accepting normalize and truncate', () => {
    expect(parsed('tei', { inputs: ['x', 'y'], normalize: false, truncate: false })).toEqual({
      inputs: ['x', 'y'],
      model: 'demo-embed-384',
      dimensions: 384,
      encoding: 'float',
      tokens: 2,
    });
    expect(parsed('tei', { inputs: 'one' }).inputs).toEqual(['one']);
  });

  const refusals: [
    dialect: EmbeddingDialect,
    body: unknown,
    kind: string,
    param: string | undefined,
    says: RegExp,
  ][] = [
    ['openai', '{"input": "x", ', 'invalid', undefined, /not valid JSON/],
    ['openai', '["x"]', 'invalid', undefined, /JSON object/],
    ['openai', { model: 'm' }, 'invalid', 'input', /`input` is missing/],
    ['openai', { input: 42, model: 'm' }, 'invalid', 'input', /string or an array of strings/],
    ['openai', { input: [[1, 2, 3]], model: 'm' }, 'invalid', 'input', /'input\[0\]' must be a string/],
    ['openai', { input: [], model: 'm' }, 'empty', 'input', /cannot be empty/],
    ['openai', { input: ['a', ''], model: 'm' }, 'empty', 'input', /'input\[1\]' is an empty string/],
    ['openai', { input: 'x' }, 'invalid', 'model', /`model`/],
    ['openai', { input: 'x', model: 'm', dimensions: 0 }, 'invalid', 'dimensions', /1\.\.4096/],
    ['openai', { input: 'x', model: 'm', dimensions: '64' }, 'invalid', 'dimensions', /1\.\.4096/],
    ['openai', { input: 'x', model: 'm', encoding_format: 'int8' }, 'invalid', 'encoding_format', /"int8"/],
    ['openai', { input: 'x', model: 'm', input_type: 3 }, 'invalid', 'input_type', /input_type/],
    ['tei', 'not json', 'invalid', undefined, /not valid JSON/],
    ['tei', { input: 'x' }, 'invalid', 'inputs', /`inputs` is missing/],
    ['tei', { inputs: [] }, 'empty', 'inputs', /cannot be empty/],
    ['tei', { inputs: 'x', truncate: 'yes' }, 'invalid', 'truncate', /true or false/],
  ];

  it.each(refusals)('%s: refuses %j with a 400 (%s)', (dialect, body, kind, param, says) => {
    const result = parse(dialect, body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection).toMatchObject({ status: 400, kind, param });
    expect(result.rejection.message).toMatch(says);
  });
});

describe('checkEmbeddingRequest', () => {
  it('takes a request within the limits', () => {
    expect(check('openai', { input: ['a', 'b', 'c', 'd'], model: 'm' })).toBeUndefined();
    expect(check('tei', { inputs: ['x'.repeat(400)] })).toBeUndefined();
  });

  it('answers 413 to more inputs than allowed, saying the limit', () => {
    expect(check('openai', { input: ['a', 'b', 'c', 'd', 'e'], model: 'm' })).toEqual({
      status: 413,
      kind: 'too-many-inputs',
      message:
        'Too many inputs: batch size 5 > maximum allowed batch size 4; send at most 4 inputs per request',
      param: 'input',
    });
  });

  it('answers 413 to more tokens than allowed, naming an input too long on its own', () => {
    const many = check('tei', { inputs: ['x'.repeat(200), 'y'.repeat(204)] });
    expect(many).toMatchObject({ status: 413, kind: 'too-many-tokens', param: 'inputs' });
    expect(many?.message).toBe('Too many tokens: 101 in 2 inputs, maximum 100 tokens per request');
    const alone = check('openai', { input: ['short', 'x'.repeat(401)], model: 'm' });
    expect(alone?.message).toBe("Too many tokens: 'input[1]' alone has 101, maximum 100 tokens per request");
    expect(demoTokenCount('x'.repeat(401))).toBe(101);
  });

  it('refuses an input carrying the marker with a 400 naming its index, in any batch', () => {
    const text = `a chunk that says ${EMBEDDING_REFUSE_MARKER} somewhere`;
    expect(check('openai', { input: text, model: 'm' })?.message).toMatch(/^'input\[0\]' is refused/);
    expect(check('openai', { input: ['fine', 'fine', text], model: 'm' })).toEqual({
      status: 400,
      kind: 'refused',
      message: `'input[2]' is refused: it contains ${EMBEDDING_REFUSE_MARKER}, which is refused in any request`,
      param: 'input',
    });
    expect(check('tei', { inputs: [text, 'fine', text] })?.message).toMatch(
      /^'inputs\[0\]', 'inputs\[2\]' are refused/,
    );
  });

  it('checks the limits before the marker, so a client splits first and learns of the refusal after', () => {
    const text = `x ${EMBEDDING_REFUSE_MARKER}`;
    expect(check('openai', { input: [text, 'a', 'b', 'c', 'd'], model: 'm' })?.kind).toBe('too-many-inputs');
  });
});

describe('embeddingServing', () => {
  it('applies the defaults', () => {
    expect(embeddingServing()).toEqual({
      model: 'demo-embed-384',
      dimensions: 384,
      maxInputs: 256,
      maxTokens: 8_192,
    });
  });

  it.each([{ model: '' }, { dimensions: 0 }, { dimensions: 5_000 }, { maxInputs: 1.5 }, { maxTokens: 0 }])(
    'refuses %j',
    (options) => {
      expect(() => embeddingServing(options)).toThrow(RangeError);
    },
  );
});
