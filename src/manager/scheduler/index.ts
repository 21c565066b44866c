/**
 * src/manager/scheduler: picks a node for each pending task. In the task's path it sits
 * after the allocator (task PENDING, ports and addresses given) and before the dispatcher
 * (task ASSIGNED, streamed to its node's agent).
 *
 * This folder is the decision core, with no store dependency: `ClusterState` is the
 * scheduler's incremental view of nodes and the tasks they hold, fed from store events;
 * `scheduleBatch(state, tasks)` is the decision: filters (Docker's explanations), spread by
 * placement preferences, then by tasks of the service, then by tasks in total. See
 * docs/design/scheduler.md.
 */
export { ClusterState } from './cluster-state.ts';
export { explain, FILTERS, type Filter, noSuitableNode, Pipeline } from './filters.ts';
export { NodeInfo } from './nodeinfo.ts';
export { groupKey, loadOf, type Requirements, requirementsOf, type TaskLoad } from './requirements.ts';
export { scheduleBatch } from './schedule.ts';
// The leader-only component wiring the core to the store (the one file here that imports the store).
export { Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler.ts';
export type {
  Assigned,
  FilterFailure,
  FilterName,
  ScheduleOptions,
  SchedulingDecision,
  Unschedulable,
} from './types.ts';
