/**
 * src/manager/orchestrator: the leader's orchestrators, where a task's path begins.
 * Services become tasks (replicated/, global/, jobs/), tasks that stop or lose their node
 * are replaced (restart/), outdated tasks are rolled to a new spec (update/), tasks on
 * nodes that no longer qualify are shut down (constraintenforcer/), and old tasks are
 * deleted (taskreaper/). Every component is a reconcile loop over store events (loop.ts)
 * and writes only its own fields: tasks and their desired state, Service.UpdateStatus and
 * Service.JobStatus. The allocator, scheduler and dispatcher carry the tasks on.
 * Design: docs/design/orchestrator.md.
 */
export * from './constraintenforcer/index.ts';
export { deepEqual } from './equal.ts';
export * from './global/index.ts';
export * from './jobs/index.ts';
export { type LoopHooks, logBatch, type OrchestratorDeps, ReconcileLoop } from './loop.ts';
export { Orchestration } from './orchestration.ts';
export * from './replicated/index.ts';
export * from './restart/index.ts';
export * from './task.ts';
export * from './taskreaper/index.ts';
export * from './update/index.ts';
