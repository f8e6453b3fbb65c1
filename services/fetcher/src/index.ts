export { type FetcherOptions, fetcherSettings, prefetchOf, resolveFetcherOptions } from './config.ts';
export { Fetcher } from './fetcher.ts';
