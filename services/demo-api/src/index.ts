// The demo API's public surface, for tests and benchmarks elsewhere: start it in process, or compute what it
// serves without it. Import from '@tributary/demo-api'.
export type { ContentOptions } from './article.ts';
export {
  type Author,
  type Block,
  type DemoPage,
  type DemoRecord,
  pageFor,
  recordFor,
} from './content.ts';
export { InvalidParameterError } from './errors.ts';
export { type FaultDefaults, type Faults, parseFaults, REDIRECT_TARGETS } from './faults.ts';
export {
  type DemoFeed,
  type FeedItem,
  type FeedOptions,
  feedFor,
  type UrlKind,
  type UrlListOptions,
  urlsFor,
} from './feed.ts';
export { FAULT_LABELS, type FaultLabel } from './response-plan.ts';
export { ROUTES, type RouteName } from './routes.ts';
export { createDemoApi, type DemoApi, type DemoApiOptions, type DemoApiState } from './server.ts';
export { demoSettings } from './settings.ts';
export type { DemoStats, StatsSnapshot } from './stats.ts';
