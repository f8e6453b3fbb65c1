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
export { runCli } from './program.ts';
