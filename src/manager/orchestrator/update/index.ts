/**
 * update/: the update supervisor, the helper the replicated and global orchestrators call
 * to bring outdated tasks to a service's new spec slot by slot (rolling updates and
 * rollbacks), writing Service.UpdateStatus with Docker's states and messages. See
 * docs/design/orchestrator.md.
 */
export { finalMonitorMs, type ResolvedUpdateConfig, resolveUpdateConfig } from './config.ts';
export type { UpdaterContext } from './context.ts';
export {
  classifySpecChange,
  completedStatus,
  MESSAGES,
  pausedStatus,
  rollbackChanges,
  type SpecChange,
  startedStatus,
} from './status.ts';
export { UpdateSupervisor, type UpdateSupervisorOptions } from './supervisor.ts';
export { Updater } from './updater.ts';
