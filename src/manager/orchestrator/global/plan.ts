/**
 * The global orchestrator's decisions (pure): one wanted task per eligible node.
 *
 *   node fit       gone ─► REMOVE its tasks (the reaper deletes them: they will never report)
 *                  invalid (down, drained) ─► shut its tasks down
 *                  mismatch (placement constraints) ─► shut its tasks down
 *                  paused ─► keep what runs, place nothing new, update nothing
 *                  not-ready (unknown, disconnected) ─► the same: wait for it
 *                  eligible ─► create a task if none, else hand the slot to the updater
 *
 * planGlobal reconciles a service over every node (service changes: outdated tasks go to
 * the rolling update). planGlobalNode reconciles one node for one service (node changes:
 * an outdated task there is replaced at once, not as a rolling update, as swarmkit does:
 * a node coming back must not wait for, or restart, an update of the whole service).
 */

import type { Node } from '../../../api/node.ts';
import type { Constraint } from '../../../api/validate/constraint.ts';
import { nodeMatchesConstraints, parseConstraints } from '../../../api/validate/constraint.ts';
import {
  byCreation,
  groupByNode,
  invalidNode,
  rank,
  type Slot,
  type SNode,
  type SService,
  type STask,
} from '../task.ts';

export type NodeFit = 'invalid' | 'mismatch' | 'paused' | 'not-ready' | 'eligible';

/** The service's parsed placement constraints (an unparsable list constrains nothing, as swarmkit). */
export function serviceConstraints(service: SService): readonly Constraint[] {
  const exprs = service.Spec.TaskTemplate.Placement?.Constraints;
  if (!exprs || exprs.length === 0) return [];
  const parsed = parseConstraints(exprs);
  return parsed.ok ? parsed.constraints : [];
}

export function nodeFit(node: SNode | undefined, constraints: readonly Constraint[]): NodeFit {
  if (!node || invalidNode(node)) return 'invalid';
  if (constraints.length > 0 && !nodeMatchesConstraints(constraints, node as Node)) return 'mismatch';
  if (node.Spec.Availability === 'pause') return 'paused';
  if (node.Status.State !== 'ready') return 'not-ready';
  return 'eligible';
}

export interface GlobalPlan {
  /** Nodes that get a new task. */
  create: string[];
  /** Tasks to shut down (desired SHUTDOWN). */
  shutdown: STask[];
  /** Tasks of removed nodes (desired REMOVE: the reaper deletes them). */
  remove: STask[];
  /** Occupied slots on eligible nodes, for the rolling update (node id order). */
  keep: Slot[];
}

const wanted = (ts: readonly STask[]): STask[] => ts.filter((t) => rank(t.DesiredState) <= rank('running'));
const notRemoved = (t: STask): boolean => rank(t.DesiredState) < rank('remove');

export function planGlobal(
  service: SService,
  tasks: readonly STask[],
  nodes: readonly SNode[],
  occupying: (slot: readonly STask[]) => STask[],
): GlobalPlan {
  const constraints = serviceConstraints(service);
  const byNode = groupByNode(tasks);
  const plan: GlobalPlan = { create: [], shutdown: [], remove: [], keep: [] };
  const seen = new Set<string>();
  for (const node of [...nodes].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))) {
    seen.add(node.ID);
    const live = occupying(byNode.get(node.ID) ?? []);
    switch (nodeFit(node, constraints)) {
      case 'invalid':
      case 'mismatch':
        plan.shutdown.push(...wanted(live));
        break;
      case 'eligible':
        if (live.length === 0) plan.create.push(node.ID);
        else plan.keep.push(live);
        break;
      default:
        break;
    }
  }
  for (const [nodeId, ts] of byNode) if (!seen.has(nodeId)) plan.remove.push(...ts.filter(notRemoved));
  return plan;
}

export interface NodePlan {
  create: boolean;
  shutdown: STask[];
  remove: STask[];
}

export function planGlobalNode(
  service: SService,
  node: SNode | undefined,
  tasks: readonly STask[],
  occupying: (slot: readonly STask[]) => STask[],
  dirty: (t: STask) => boolean,
): NodePlan {
  if (!node) return { create: false, shutdown: [], remove: tasks.filter(notRemoved) };
  const live = occupying(tasks);
  switch (nodeFit(node, serviceConstraints(service))) {
    case 'invalid':
    case 'mismatch':
      return { create: false, shutdown: wanted(live), remove: [] };
    case 'paused':
    case 'not-ready':
      return { create: false, shutdown: [], remove: [] };
    case 'eligible': {
      if (live.length === 0) return { create: true, shutdown: [], remove: [] };
      // keep the clean task that is wanted running, the newest of those
      const clean = live
        .filter((t) => !dirty(t))
        .sort(
          (a, b) =>
            Number(b.DesiredState === 'running') - Number(a.DesiredState === 'running') || byCreation(b, a),
        );
      const stale = live.filter((t) => dirty(t));
      if (clean.length === 0) return { create: true, shutdown: wanted(stale), remove: [] };
      return { create: false, shutdown: wanted([...stale, ...clean.slice(1)]), remove: [] };
    }
  }
}
