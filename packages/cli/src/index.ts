export { loadCliConfig } from './cli-settings.ts';
export { openBroker, openDatabase } from './connections.ts';
export { parseDurationMs } from './duration.ts';
export { type DemoJob, demoJobs } from './launcher/demo-jobs.ts';
export { LaunchError, type LaunchFailure } from './launcher/errors.ts';
export type { Endpoints } from './launcher/local-infrastructure.ts';
export {
  LocalSystem,
  type LocalSystemEvents,
  type ProcessInfo,
  type ProcessState,
  type RunningSystem,
  type StopResult,
  type SystemState,
  type UnexpectedExit,
} from './launcher/local-system.ts';
export type { LocalSystemOptions } from './launcher/options.ts';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './launcher/restart-policy.ts';
export { SERVICE_HEAP_FLAGS } from './launcher/service-env.ts';
export { runCli } from './program.ts';
export {
  type RefreshSelection,
  type RefreshSummary,
  refreshJob,
  refreshLines,
  refreshQuery,
  refreshSources,
} from './sources/refresh.ts';
export {
  type SourceCollections,
  type SourceQuery,
  SourceStore,
  type StoredSource,
} from './sources/source-store.ts';
export {
  type SweepDeps,
  type SweepOptions,
  type SweepSummary,
  type SweptSource,
  sweepDiscovery,
  sweepSources,
} from './sources/sweep.ts';
export {
  type DiscoveryRoot,
  discoveryScope,
  GONE_REASONS,
  type HeldRoot,
  type HoldReason,
  type JobEnding,
  rootHold,
  type SweepScope,
  type SweepVerdict,
  sweepVerdict,
} from './sources/sweep-plan.ts';
