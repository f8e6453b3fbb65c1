import { InvalidParameterError } from './errors.ts';
import { type Faults, NO_FAULTS, parseFaults } from './faults.ts';

/**
 * The faults an embedding request asks for, from the query string of the endpoint URL a client is configured
 * with (`/v1/embeddings?failFirst=3&failStatus=503`): the content routes' parameters that make sense for an
 * API answering JSON, parsed by `parseFaults`, and the same response plan.
 *
 * Unlike the content routes, an unknown parameter is refused (400) rather than ignored: the URL is written once
 * into a client's configuration, and a misspelt fault (`latencyMs=50` for `latency=50`) that silently does
 * nothing would let a fault test pass without its fault. `nonce` (a cache-buster, for a URL whose `failFirst`
 * counter starts at zero) and `api-version` (which Azure OpenAI clients append) are accepted and change nothing.
 * The server's fault defaults (`DEMO_LATENCY_MS`, `DEMO_ERROR_RATE`, ...) are for content and do not apply.
 */

export const EMBEDDING_FAULT_PARAMS = [
  'latency',
  'jitter',
  'fail',
  'failStatus',
  'failFirst',
  'status',
  'retryAfter',
  'retryAfterDate',
  'hang',
  'corrupt',
  'drip',
  'dripBytes',
  'truncate',
] as const;

const PASSIVE_PARAMS = ['nonce', 'api-version'] as const;

const ACCEPTED: ReadonlySet<string> = new Set<string>([...EMBEDDING_FAULT_PARAMS, ...PASSIVE_PARAMS]);

const ACCEPTED_LIST = [...EMBEDDING_FAULT_PARAMS, ...PASSIVE_PARAMS].join(', ');

/** Throws InvalidParameterError for an unknown parameter or a value parseFaults refuses. */
export function parseEmbeddingFaults(query: URLSearchParams): Faults {
  for (const [name, value] of query) {
    if (!ACCEPTED.has(name)) {
      throw new InvalidParameterError(name, `left out: the embedding routes take ${ACCEPTED_LIST}`, value);
    }
  }
  const faults = parseFaults(query, NO_FAULTS);
  // A redirect or an empty 204 is nothing an embedding API answers; 200 is the plain answer.
  if (faults.status !== undefined && faults.status !== 200 && faults.status < 400) {
    throw new InvalidParameterError(
      'status',
      '200 or 400..599 on the embedding routes',
      String(faults.status),
    );
  }
  return faults;
}
