import { InvalidUrlError } from './errors.ts';

/**
 * Where a redirect leads (RFC 9110 §15.4), as a pure step: the fetcher follows redirects itself so that the
 * SSRF guard checks every hop before anything connects to it.
 */

export interface HopRequest {
  url: URL;
  method: string;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials: never sent to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
/** Headers that describe the request body: dropped with it. */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
/** Validators belong to the resource they came from. */
const VALIDATOR_HEADERS = ['if-none-match', 'if-modified-since'];

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

function without(
  headers: Readonly<Record<string, string>>,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!names.includes(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/**
 * The request the redirect asks for, or undefined when the response is not one to follow (not a redirect
 * status, or no Location). Throws InvalidUrlError for a Location that is not an http(s) URL.
 */
export function followRedirect(
  current: HopRequest,
  status: number,
  location: string | undefined,
): HopRequest | undefined {
  if (!isRedirect(status) || location === undefined || location.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(location.trim(), current.url);
  } catch {
    throw new InvalidUrlError(location, `redirect Location from ${current.url.origin} does not parse`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(location, `redirect to a ${url.protocol} URL; only http and https are fetched`);
  }
  url.hash = '';
  // 303 always, and 301/302 after a POST (as every browser does), turn into a GET without the body.
  const toGet =
    (status === 303 && current.method !== 'HEAD') ||
    ((status === 301 || status === 302) && current.method === 'POST');
  let headers: Record<string, string> = { ...current.headers };
  if (toGet) headers = without(headers, BODY_HEADERS);
  if (url.origin !== current.url.origin)
    headers = without(headers, [...CREDENTIAL_HEADERS, ...VALIDATOR_HEADERS]);
  return {
    url,
    method: toGet ? 'GET' : current.method,
    headers,
    body: toGet ? undefined : current.body,
  };
}
