import { InvalidDiscoveryOptionsError } from './errors.ts';
import { documentUrl } from './found-url.ts';

/** Which of the URLs discovery finds it follows, decided against the URL the discovery started from. */

export interface UrlScopeOptions {
  /** Follow only URLs with the root's scheme, host and port. Default true. */
  sameSite?: boolean | undefined;
  /** Regular expressions (as strings) tested against the whole URL; when given, a URL must match one. */
  include?: readonly string[] | undefined;
  /** Regular expressions a URL must match none of; exclusion wins over inclusion. */
  exclude?: readonly string[] | undefined;
}

function compile(patterns: readonly string[], option: string): RegExp[] {
  return patterns.map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch (err) {
      throw new InvalidDiscoveryOptionsError(
        `${option} pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
}

export class UrlScope {
  readonly #origin: string | undefined;
  readonly #include: readonly RegExp[];
  readonly #exclude: readonly RegExp[];

  /** Compiles the patterns once; throws InvalidDiscoveryOptionsError naming a pattern that does not compile. */
  constructor(rootUrl: string | URL, options: UrlScopeOptions = {}) {
    const root = documentUrl(rootUrl);
    // URL.origin is scheme, host and port, the port left out when it is the scheme's default.
    this.#origin = (options.sameSite ?? true) ? root.origin : undefined;
    this.#include = compile(options.include ?? [], 'include');
    this.#exclude = compile(options.exclude ?? [], 'exclude');
  }

  /** Whether discovery follows `url`; a URL that does not parse is not followed. */
  allows(url: string | URL): boolean {
    const parsed = URL.parse(String(url));
    if (parsed === null) return false;
    if (this.#origin !== undefined && parsed.origin !== this.#origin) return false;
    const href = parsed.href;
    if (this.#exclude.some((pattern) => pattern.test(href))) return false;
    return this.#include.length === 0 || this.#include.some((pattern) => pattern.test(href));
  }
}
