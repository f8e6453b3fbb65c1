import { InvalidUrlError } from './errors.ts';

/**
 * The URL of a job, checked once before the job waits for anything (its host decides the limits and the
 * breaker it goes through): an http or https URL without credentials in it. The fragment is never sent, so it
 * is dropped. Redirect targets are checked hop by hop where they are followed (redirects.ts).
 */
export function requestUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidUrlError(raw, 'does not parse');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(url.href, `${url.protocol} is not fetched; only http and https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidUrlError(url.origin, 'credentials in URLs are not sent');
  }
  if (url.hash !== '') url.hash = '';
  return url;
}
