export { AddressGuard, type AddressGuardOptions, addressRange, isPublicAddress } from './address-guard.ts';
export { classify, type Observation, type Verdict } from './classify.ts';
export { type FetcherOptions, fetcherSettings, prefetchOf, resolveFetcherOptions } from './config.ts';
export { Fetcher, type FetcherDeps, type FetcherState } from './fetcher.ts';
export { parseRetryAfter } from './retry-after.ts';
