export {
  type FetcherOptions,
  fetcherSettings,
  prefetchForConcurrency,
  resolveFetcherOptions,
} from './config.ts';
export { Fetcher } from './fetcher.ts';
