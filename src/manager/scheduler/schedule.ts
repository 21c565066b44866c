/**
 * scheduleBatch: the scheduler's decision, a function of (cluster state, pending tasks).
 *
 *   pending tasks ─► preassigned (NodeID set: global services) ─► check that one node
 *                └─► grouped by service + identical asks ─► per group: filter every node
 *                    once, build the placement tree, then place task after task on the
 *                    least-loaded fitting node (heap), or explain why none fits
 *
 * Each decision is recorded in `state` as if assigned, so later decisions in the batch see
 * it; the wiring commits the decisions to the store and, for any it fails to commit, calls
 * state.removeTask to take the reservation back. Decisions come back in input order.
 * Cost: O(nodes) per group plus O(log nodes) per task, so batch tasks before calling.
 */
import type { Task } from '../../api/index.ts';
import type { ClusterState } from './cluster-state.ts';
import { explain, noSuitableNode, Pipeline } from './filters.ts';
import { groupKey, loadOf, requirementsOf } from './requirements.ts';
import { PlacementTree } from './tree.ts';
import type { Assigned, FilterFailure, ScheduleOptions, SchedulingDecision } from './types.ts';

function assigned(taskId: string, nodeId: string, generic: Assigned['assignedGenericResources']): Assigned {
  return generic !== undefined && generic.length > 0
    ? { kind: 'assigned', taskId, nodeId, assignedGenericResources: generic }
    : { kind: 'assigned', taskId, nodeId };
}

/** A task the orchestrator already tied to a node: confirm the node can run it. */
function fitPreassigned(
  state: ClusterState,
  task: Task,
  pipelines: Map<string, Pipeline>,
): SchedulingDecision {
  const nodeId = task.NodeID as string;
  const info = state.node(nodeId);
  if (info === undefined) {
    return { kind: 'unschedulable', taskId: task.ID, reason: `node ${nodeId} not found`, failures: [] };
  }
  const key = groupKey(task);
  let pipeline = pipelines.get(key);
  if (pipeline === undefined) {
    pipeline = new Pipeline(requirementsOf(task));
    pipelines.set(key, pipeline);
  }
  const failed = pipeline.firstFailure(info);
  if (failed !== undefined) {
    // swarmkit words a preassigned task's failure without the "no suitable node" prefix.
    const failures: FilterFailure[] = [{ filter: failed, nodes: 1 }];
    return { kind: 'unschedulable', taskId: task.ID, reason: explain(failures), failures };
  }
  return assigned(task.ID, nodeId, state.hold(nodeId, loadOf(task, pipeline.req)));
}

function scheduleGroup(
  state: ClusterState,
  tasks: readonly Task[],
  indexes: readonly number[],
  out: SchedulingDecision[],
  options: ScheduleOptions,
): void {
  const pipeline = new Pipeline(requirementsOf(tasks[indexes[0] as number] as Task));
  const tree = new PlacementTree(state, pipeline, options.rng);
  let failures: FilterFailure[] | undefined;
  let reason = '';
  for (const i of indexes) {
    const task = tasks[i] as Task;
    const info = failures === undefined ? tree.best() : undefined;
    if (info === undefined) {
      if (failures === undefined) {
        // Nothing changes for this group from here on: explain once, against every node.
        failures = pipeline.failures(state.nodes());
        reason = noSuitableNode(failures);
      }
      out[i] = { kind: 'unschedulable', taskId: task.ID, reason, failures };
      continue;
    }
    const generic = state.hold(info.id, loadOf(task, pipeline.req));
    tree.placed();
    out[i] = assigned(task.ID, info.id, generic);
  }
}

/**
 * Decides a node for each pending task. Throws (a wiring bug) when a task appears twice or
 * is already held by a node in `state`.
 */
export function scheduleBatch(
  state: ClusterState,
  tasks: readonly Task[],
  options: ScheduleOptions = {},
): SchedulingDecision[] {
  state.refreshOrder();
  const out = new Array<SchedulingDecision>(tasks.length);
  const seen = new Set<string>();
  const preassigned: number[] = [];
  const groups = new Map<string, number[]>();
  tasks.forEach((task, i) => {
    if (seen.has(task.ID)) throw new Error(`task ${task.ID} appears twice in one batch`);
    seen.add(task.ID);
    const holder = state.nodeOfTask(task.ID);
    if (holder !== undefined) throw new Error(`task ${task.ID} is already on node ${holder}`);
    if (task.NodeID) {
      preassigned.push(i);
      return;
    }
    const key = groupKey(task);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  });
  const pipelines = new Map<string, Pipeline>();
  for (const i of preassigned) out[i] = fitPreassigned(state, tasks[i] as Task, pipelines);
  for (const indexes of groups.values()) scheduleGroup(state, tasks, indexes, out, options);
  return out;
}
