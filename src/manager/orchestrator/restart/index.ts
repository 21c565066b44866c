/**
 * restart/: the restart supervisor, the helper the replicated, global and jobs
 * orchestrators call when a task they want has stopped or lost its node. It applies the
 * service's RestartPolicy (condition, delay, MaxAttempts within Window) with a history
 * per slot, and starts replacements late (desired READY, then RUNNING). See
 * docs/design/orchestrator.md.
 */
export { type DelayHandle, startNow } from './delays.ts';
export {
  conditionAllows,
  type ResolvedRestartPolicy,
  type RestartHistory,
  recordRestart,
  restartPolicy,
  withinAttempts,
} from './policy.ts';
export { RestartSupervisor, type RestartSupervisorOptions } from './supervisor.ts';
