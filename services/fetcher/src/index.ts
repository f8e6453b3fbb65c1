export {
  type FetcherOptions,
  fetcherSettings,
  prefetchForConcurrency,
  resolveFetcherOptions,
} from './config.ts';
export { Discovery } from './discovery/discovery.ts';
export { type FoundCandidate, FoundLedger } from './discovery/found-ledger.ts';
export { Fetcher } from './fetcher.ts';
