// The demo API's public surface, for tests and benchmarks elsewhere: start it in process, or compute what it
// serves without it. Import from '@tributary/demo-api'.
export type { ContentOptions } from './article.ts';
export { atomFeedXml } from './atom-feed.ts';
export {
  type Author,
  type Block,
  type DemoPage,
  type DemoRecord,
  pageFor,
  recordFor,
} from './content.ts';
export {
  atomFeedRecordUrls,
  type CrawlExpectation,
  type CrawlFinds,
  crawlFinds,
  crawlUrls,
  type FeedExpectation,
  feedPageUrls,
  feedRecordUrls,
  siteSitemapPageUrls,
} from './discovery-expectations.ts';
export {
  demoEmbedding,
  demoTokenCount,
  EMBEDDING_DEFAULTS,
  EMBEDDING_LIMITS,
  embeddingBase64,
} from './embedding.ts';
export { EMBEDDING_FAULT_PARAMS } from './embedding-faults.ts';
export {
  EMBEDDING_REFUSE_MARKER,
  type EmbeddingDialect,
  type EmbeddingServing,
} from './embedding-request.ts';
export type { EmbeddingStatsSnapshot } from './embedding-stats.ts';
export { InvalidParameterError } from './errors.ts';
export { type FaultDefaults, type Faults, parseFaults, REDIRECT_TARGETS } from './faults.ts';
export {
  type DemoFeed,
  type FeedFormat,
  type FeedItem,
  type FeedOptions,
  feedFor,
  feedLinkHeader,
  feedPageUrl,
  type UrlKind,
  type UrlListOptions,
  urlsFor,
} from './feed.ts';
export { FAULT_LABELS, type FaultLabel } from './response-plan.ts';
export { type RobotsOptions, robotsTxt } from './robots.ts';
export { ROUTES, type RouteName } from './routes.ts';
export { createDemoApi, type DemoApi, type DemoApiOptions, type DemoApiState } from './server.ts';
export { demoSettings } from './settings.ts';
export {
  SITE_EXTERNAL_ORIGIN,
  SITE_HOME_PATH,
  SITE_MAX_PAGES,
  SITE_PRIVATE_PREFIX,
  type SiteLink,
  type SiteLinkKind,
  siteDepth,
  siteDuplicateOf,
  siteLinks,
  sitePagePath,
  sitePrivatePath,
} from './site-links.ts';
export { type DemoSitePage, type SitePageOptions, siteLastModified, sitePageFor } from './site-page.ts';
export {
  SITEMAP_PATHS,
  type SitemapPart,
  sitemapGzip,
  sitemapIndexXml,
  sitemapPages,
  sitemapXml,
} from './sitemap.ts';
export type { DemoStats, HostStats, StatsSnapshot } from './stats.ts';
