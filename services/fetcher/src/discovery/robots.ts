import robotsParserModule from 'robots-parser';
import { documentUrl, resolveFoundUrl } from './found-url.ts';

// robots-parser is CommonJS (`module.exports = fn`) but its types say `export default`, which TypeScript reads
// as `module.exports.default` under nodenext; the default import is the function itself.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

/**
 * What a host's robots.txt (RFC 9309) lets this crawler fetch, read with robots-parser: the group of the
 * crawler's product token (`tributary-fetcher` of `tributary-fetcher/0.1`, case-insensitive), else `*`.
 */

type Robot = ReturnType<typeof robotsParser>;

type Source = { kind: 'file'; robot: Robot; robotsUrl: URL; userAgent: string } | { kind: 'allow-all' };

export class RobotsRules {
  readonly #source: Source;

  private constructor(source: Source) {
    this.#source = source;
  }

  /** The rules of the robots.txt fetched from `robotsUrl` (2xx), for the crawler sending `userAgent`. */
  static parse(robotsUrl: string | URL, body: string, userAgent: string): RobotsRules {
    const url = documentUrl(robotsUrl);
    return new RobotsRules({ kind: 'file', robot: robotsParser(url.href, body), robotsUrl: url, userAgent });
  }

  /** A host without a robots.txt: RFC 9309 §2.3.1.3 reads a 4xx as "no rules", so everything is allowed. */
  static allowAll(): RobotsRules {
    return new RobotsRules({ kind: 'allow-all' });
  }

  /**
   * Whether the crawler may fetch `url`. Rules read from a file are its host's only: asking about another
   * scheme, host or port throws, since the answer would be a guess.
   */
  isAllowed(url: string | URL): boolean {
    const source = this.#source;
    if (source.kind !== 'file') return true;
    const href = String(url);
    const allowed = source.robot.isAllowed(href, source.userAgent);
    if (allowed === undefined) {
      throw new RangeError(
        `${href} is not under ${source.robotsUrl.origin}, whose robots.txt these rules are`,
      );
    }
    return allowed;
  }

  /** The Crawl-delay of the crawler's group, in seconds; undefined when it sets none (or a negative one). */
  crawlDelaySeconds(): number | undefined {
    if (this.#source.kind !== 'file') return undefined;
    const delay = this.#source.robot.getCrawlDelay(this.#source.userAgent);
    return delay !== undefined && Number.isFinite(delay) && delay >= 0 ? delay : undefined;
  }

  /** The Sitemap lines, absolute http(s) URLs, each once; they apply whatever the user agent. */
  sitemaps(): string[] {
    if (this.#source.kind !== 'file') return [];
    const { robot, robotsUrl } = this.#source;
    const urls = robot.getSitemaps().map((raw) => resolveFoundUrl(raw, robotsUrl));
    return [...new Set(urls.filter((url) => url !== undefined))];
  }
}
