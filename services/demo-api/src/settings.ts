import { setting } from '@tributary/core';
import { FAULT_LIMITS } from './faults.ts';

/** The demo API's environment variables: validated at start, defaults that work with `docker compose up`. */
export const demoSettings = {
  port: setting.int('DEMO_PORT', {
    default: 8080,
    min: 0,
    max: 65535,
    description: 'port of the demo API: content, /stats, /metrics and /healthz (0 picks a free port)',
  }),
  host: setting.string('DEMO_HOST', {
    default: '0.0.0.0',
    nonEmpty: true,
    description: 'address the demo API binds',
  }),
  latencyMs: setting.int('DEMO_LATENCY_MS', {
    default: 0,
    min: 0,
    max: FAULT_LIMITS.maxDelayMs,
    description: 'latency added to every content response unless ?latency= says otherwise',
  }),
  jitterMs: setting.int('DEMO_JITTER_MS', {
    default: 0,
    min: 0,
    max: FAULT_LIMITS.maxDelayMs,
    description: 'up to this much more latency, uniformly drawn, unless ?jitter= says otherwise',
  }),
  errorRate: setting.number('DEMO_ERROR_RATE', {
    default: 0,
    min: 0,
    max: 1,
    description: 'fraction of content requests answered with DEMO_FAIL_STATUS, unless ?fail= says otherwise',
  }),
  failStatus: setting.int('DEMO_FAIL_STATUS', {
    default: 500,
    min: 400,
    max: 599,
    description: 'status of injected failures, unless ?failStatus= says otherwise',
  }),
  cacheMb: setting.int('DEMO_CACHE_MB', {
    default: 64,
    min: 1,
    max: 16_384,
    description: 'memory for rendered content (LRU)',
  }),
};
