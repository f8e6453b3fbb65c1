import { SITE_PRIVATE_PREFIX } from './site-links.ts';
import { SITEMAP_PATHS } from './sitemap.ts';

/**
 * `/robots.txt` (RFC 9309, plus the Crawl-delay and Sitemap lines crawlers read): every agent is kept out of
 * the site's private pages, asked to wait between requests, and told where the sitemap index is, absolute.
 */

export interface RobotsOptions {
  /** Seconds between requests a crawler is asked to keep; 0 leaves the Crawl-delay line out. */
  crawlDelaySeconds: number;
}

/** Whole milliseconds at most, never an exponent: `0.05`, `2`, not `5e-7`. */
function seconds(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export function robotsTxt(origin: string, options: RobotsOptions): string {
  const { crawlDelaySeconds } = options;
  if (!Number.isFinite(crawlDelaySeconds) || crawlDelaySeconds < 0) {
    throw new RangeError(`crawlDelaySeconds must be a number ≥ 0, got ${crawlDelaySeconds}`);
  }
  const delay = seconds(crawlDelaySeconds);
  const lines = ['User-agent: *', `Disallow: ${SITE_PRIVATE_PREFIX}`];
  // A delay that rounds to 0 is left out like 0 itself: `Crawl-delay: 0` would say nothing.
  if (delay !== '0') lines.push(`Crawl-delay: ${delay}`);
  lines.push(`Sitemap: ${origin}${SITEMAP_PATHS.index}`);
  return `${lines.join('\n')}\n`;
}
