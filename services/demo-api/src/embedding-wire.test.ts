import { describe, expect, it } from 'vitest';
import { embeddingBase64 } from './embedding.ts';
import type { EmbeddingRejection, EmbeddingRequest } from './embedding-request.ts';
import { embeddingsBody, failureBody, rejectionBody } from './embedding-wire.ts';

const request: EmbeddingRequest = {
  inputs: ['a', 'b'],
  model: 'm',
  dimensions: 2,
  encoding: 'float',
  tokens: 2,
};
const vectors = [
  [0.6, 0.8],
  [1, 0],
];

describe('embeddingsBody', () => {
  it('answers OpenAI with a list of embeddings in input order, the model as asked and the usage', () => {
    expect(embeddingsBody('openai', request, vectors)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.6, 0.8] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      model: 'm',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  });

  it('sends base64 float32s when asked', () => {
    const body = embeddingsBody('openai', { ...request, encoding: 'base64' }, vectors);
    expect(body).toMatchObject({ data: [{ embedding: embeddingBase64([0.6, 0.8]) }, { index: 1 }] });
  });

  it('answers TEI with the bare vectors', () => {
    expect(embeddingsBody('tei', request, vectors)).toEqual(vectors);
  });
});

describe('error bodies', () => {
  const rejection = (status: 400 | 413, kind: EmbeddingRejection['kind']): EmbeddingRejection => ({
    status,
    kind,
    message: 'why',
    param: 'input',
  });

  it.each([
    [rejection(400, 'invalid'), null],
    [rejection(400, 'refused'), 'input_refused'],
    [rejection(413, 'too-many-inputs'), 'too_many_inputs'],
    [rejection(413, 'too-many-tokens'), 'too_many_tokens'],
  ])('OpenAI: %j is an invalid_request_error with code %s', (refused, code) => {
    expect(rejectionBody('openai', refused)).toEqual({
      error: { message: 'why', type: 'invalid_request_error', param: 'input', code },
    });
  });

  it.each([
    [rejection(400, 'invalid'), 'Validation'],
    [rejection(400, 'empty'), 'Empty'],
    [rejection(400, 'refused'), 'Validation'],
    [rejection(413, 'too-many-tokens'), 'Validation'],
  ])('TEI: %j has error_type %s', (refused, errorType) => {
    expect(rejectionBody('tei', refused)).toEqual({ error: 'why', error_type: errorType });
  });

  it.each([
    [429, 'requests', 'rate_limit_exceeded', 'Overloaded'],
    [503, 'server_error', null, 'Unhealthy'],
    [500, 'server_error', null, 'Backend'],
    [424, 'invalid_request_error', null, 'Backend'],
    [422, 'invalid_request_error', null, 'Tokenizer'],
  ])('an injected %i is OpenAI type %s (code %s) and TEI %s', (status, type, code, errorType) => {
    expect(failureBody('openai', status, 'x')).toEqual({ error: { message: 'x', type, param: null, code } });
    expect(failureBody('tei', status, 'x')).toEqual({ error: 'x', error_type: errorType });
  });
});
