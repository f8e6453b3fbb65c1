import type { Faults } from './faults.ts';

/**
 * What a content request gets, decided from its faults before anything is written: one pure function with
 * one order of precedence, so that every combination of parameters has one documented answer.
 *
 *   hang → redirect chain (`redirects`) → redirect (`redirect`, `redirectTo`) → `failFirst` → error rate →
 *   `status` → content, with the body faults (corrupt, truncate, size, drip).
 *
 * `retryAfter` never decides a status: it adds Retry-After to the error answers above (`status=429&retryAfter=2`).
 *
 * Latency is not part of the plan: it delays whatever the plan says, redirects included.
 */

export const FAULT_LABELS = [
  'none',
  // The embedding endpoints are down (`POST /control/embeddings?down=1`): decided before any plan.
  'down',
  'hang',
  'redirects',
  'redirect',
  'fail-first',
  'fail',
  'status',
  'corrupt',
  'truncate',
  'size',
  'drip',
] as const;

/** The fault that decided a response: a low-cardinality label for metrics and stats. */
export type FaultLabel = (typeof FAULT_LABELS)[number];

export type ResponsePlan =
  | { kind: 'hang'; fault: 'hang' }
  | { kind: 'redirect'; status: number; location: string; fault: 'redirects' | 'redirect' | 'status' }
  | { kind: 'error'; status: number; fault: 'fail-first' | 'fail' | 'status' }
  | { kind: 'empty'; status: number; fault: 'status' }
  | { kind: 'content'; status: number; fault: 'none' | 'status' | 'corrupt' | 'truncate' | 'size' | 'drip' };

export interface PlanInput {
  faults: Faults;
  /** The request target as received: path and query. */
  url: string;
  /** How many requests for this exact URL have arrived, this one included (1 for the first). */
  attempt: number;
  /** [0, 1), drawn only when the error rate needs it. */
  roll: () => number;
}

const NO_BODY_STATUSES = new Set([204, 205, 304]);

/** The same URL with one query parameter changed (`value` given) or removed. */
export function withParam(url: string, name: string, value?: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  if (value === undefined) params.delete(name);
  else params.set(name, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

function contentFault(faults: Faults): 'none' | 'corrupt' | 'truncate' | 'size' | 'drip' {
  if (faults.corrupt) return 'corrupt';
  if (faults.truncate !== 'none') return 'truncate';
  if (faults.sizeBytes !== undefined) return 'size';
  if (faults.dripMs > 0) return 'drip';
  return 'none';
}

export function planResponse({ faults, url, attempt, roll }: PlanInput): ResponsePlan {
  if (faults.hang) return { kind: 'hang', fault: 'hang' };
  if (faults.redirects > 0) {
    const remaining = faults.redirects - 1;
    const location = withParam(url, 'redirects', remaining > 0 ? String(remaining) : undefined);
    return { kind: 'redirect', status: 302, location, fault: 'redirects' };
  }
  const status = faults.status;
  const redirectStatus = status !== undefined && status >= 300 && status < 400 && status !== 304;
  if (faults.redirectLocation !== undefined) {
    return {
      kind: 'redirect',
      status: redirectStatus ? status : 302,
      location: faults.redirectLocation,
      fault: 'redirect',
    };
  }
  if (attempt <= faults.failFirst) return { kind: 'error', status: faults.failStatus, fault: 'fail-first' };
  if (faults.errorRate > 0 && roll() < faults.errorRate) {
    return { kind: 'error', status: faults.failStatus, fault: 'fail' };
  }
  if (status !== undefined && status !== 200) {
    if (status >= 400) return { kind: 'error', status, fault: 'status' };
    if (NO_BODY_STATUSES.has(status)) return { kind: 'empty', status, fault: 'status' };
    if (redirectStatus)
      return { kind: 'redirect', status, location: withParam(url, 'status'), fault: 'status' };
  }
  const fault = contentFault(faults);
  const contentStatus = status ?? 200;
  return {
    kind: 'content',
    status: contentStatus,
    fault: fault === 'none' && contentStatus !== 200 ? 'status' : fault,
  };
}
