import { describe, expect, it } from 'vitest';
import { endpointMessage, errorForAnswer, namedInput, saysTooLarge } from './endpoint-failures.ts';

describe('errorForAnswer', () => {
  it.each([
    // status, message, retryAfterMs → reason, retryable, retryAfterMs
    [429, 'Rate limit reached for requests', 2_000, 'rate-limited', true, 2_000],
    [429, undefined, undefined, 'rate-limited', true, undefined],
    [503, 'overloaded', 5_000, 'rate-limited', true, 5_000],
    [503, 'Service Unavailable', undefined, 'embedding-unavailable', true, undefined],
    [413, undefined, undefined, 'embedding-too-large', false, undefined],
    [
      413,
      'batch size 64 > maximum allowed batch size 32',
      undefined,
      'embedding-too-large',
      false,
      undefined,
    ],
    [
      400,
      "This model's maximum context length is 8192 tokens, however you requested 9000 tokens",
      undefined,
      'embedding-too-large',
      false,
      undefined,
    ],
    [400, 'the input length exceeds the context length', undefined, 'embedding-too-large', false, undefined],
    [
      422,
      '`inputs` must have less than 512 tokens. Given: 600',
      undefined,
      'embedding-too-large',
      false,
      undefined,
    ],
    [
      500,
      'input is too large to process. increase the physical batch size',
      undefined,
      'embedding-too-large',
      false,
      undefined,
    ],
    [400, 'Invalid model name', undefined, 'embedding-refused', false, undefined],
    [401, 'Incorrect API key provided', undefined, 'embedding-refused', false, undefined],
    [404, undefined, undefined, 'embedding-refused', false, undefined],
    [
      422,
      'Input validation error: `inputs` cannot be empty',
      undefined,
      'embedding-refused',
      false,
      undefined,
    ],
    [408, undefined, undefined, 'embedding-unavailable', true, undefined],
    [424, 'DriverError(CUDA_ERROR_OUT_OF_MEMORY)', undefined, 'embedding-unavailable', true, undefined],
    [500, 'Internal Server Error', undefined, 'embedding-unavailable', true, undefined],
    [502, undefined, 3_000, 'embedding-unavailable', true, 3_000],
    [301, undefined, undefined, 'embedding-unavailable', true, undefined],
  ] as const)(
    'answers %i %j as %s',
    (status, message, retryAfterMs, reason, retryable, expectedRetryAfterMs) => {
      const err = errorForAnswer({ status, message, retryAfterMs, inputs: 4 });
      expect({ reason: err.reason, retryable: err.retryable, retryAfterMs: err.retryAfterMs }).toEqual({
        reason,
        retryable,
        retryAfterMs: expectedRetryAfterMs,
      });
    },
  );

  it("keeps the endpoint's message and the input it names in a refusal", () => {
    const err = errorForAnswer({
      status: 400,
      message: "Invalid 'input[2]': string contains invalid characters",
      retryAfterMs: undefined,
      inputs: 4,
    });
    expect(err).toMatchObject({
      reason: 'embedding-refused',
      status: 400,
      endpointMessage: "Invalid 'input[2]': string contains invalid characters",
      inputIndex: 2,
    });
    expect(err.message).toContain("Invalid 'input[2]'");
  });

  it('names the input that is too long alone when the endpoint says which', () => {
    const err = errorForAnswer({
      status: 400,
      message: "Invalid 'input[1]': maximum context length is 8192 tokens.",
      retryAfterMs: undefined,
      inputs: 2,
    });
    expect(err).toMatchObject({ reason: 'embedding-too-large', inputIndex: 1 });
  });
});

describe('saysTooLarge', () => {
  it.each([
    "This model's maximum context length is 8192 tokens, however you requested 8193 tokens (8193 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
    'Requested 300001 tokens, max 300000 tokens per request',
    "Invalid 'input': array too long. Expected an array with maximum length 2048, but got an array with length 3000 instead.",
    "This model's maximum context length is 512 tokens. However, you requested 1451 tokens in the input for embedding generation. Please reduce the length of the input.",
    '`inputs` must have less than 512 tokens. Given: 600',
    'batch size 64 > maximum allowed batch size 32',
    'the input length exceeds the context length',
    'input length exceeds maximum context length',
    'input is too large to process. increase the physical batch size',
    'input is larger than the max context size. skipping',
    'too many tokens: total number of tokens in the prompt cannot exceed 512',
    'Too many inputs in request, split into more batches.',
    'The max allowed tokens per submitted batch is 120000. Your batch has 130000 tokens after truncation.',
    'Input is too long',
  ])('recognises %j', (message) => {
    expect(saysTooLarge(message)).toBe(true);
  });

  it.each([
    'Invalid model name',
    'Incorrect API key provided: sk-abc***xyz.',
    'You exceeded your current quota, please check your plan and billing details.',
    '`inputs` cannot be empty',
    'The model `text-embedding-4` does not exist',
  ])('does not take %j for a size', (message) => {
    expect(saysTooLarge(message)).toBe(false);
  });
});

describe('namedInput', () => {
  it.each([
    ["Invalid 'input[3]': too long", 3],
    ["'$.input[0]' is invalid", 0],
    ['inputs[5] is empty', 5],
    ['input 2 contains invalid UTF-8', 2],
    ['input #4 is empty', 4],
    ['error at index 1', 1],
    ['input 9 is empty', undefined],
    ['`inputs` must have less than 512 tokens', undefined],
    [undefined, undefined],
  ] as const)('reads %j as %s', (message, index) => {
    expect(namedInput(message, 6)).toBe(index);
  });
});

describe('endpointMessage', () => {
  it.each([
    [
      'OpenAI',
      '{"error":{"message":"Invalid model","type":"invalid_request_error","code":null}}',
      'Invalid model',
    ],
    [
      'TEI and Ollama',
      '{"error":"Input validation error","error_type":"Validation"}',
      'Input validation error',
    ],
    [
      'an older vLLM',
      '{"object":"error","message":"maximum context length","code":400}',
      'maximum context length',
    ],
    [
      'FastAPI',
      '{"detail":[{"msg":"field required"},{"msg":"value is not a list"}]}',
      'field required; value is not a list',
    ],
    ['plain text', '  Bad Gateway\n', 'Bad Gateway'],
    ['JSON with no message', '{"ok":false}', '{"ok":false}'],
    ['an empty body', '', undefined],
  ])('reads the message of %s', (_server, body, expected) => {
    expect(endpointMessage(body)).toBe(expected);
  });

  it('takes the API key out of what the endpoint echoes', () => {
    const said = endpointMessage(
      '{"error":{"message":"Incorrect API key provided: sk-secret-123."}}',
      'sk-secret-123',
    );
    expect(said).toBe('Incorrect API key provided: [redacted].');
  });

  it('keeps no more than 500 characters of a long message', () => {
    const said = endpointMessage(JSON.stringify({ error: 'x'.repeat(10_000) }));
    expect(said?.length).toBe(501);
  });
});
