/**
 * tasks: the big table (100,000 rows in the benchmark), so every query the orchestrators,
 * the scheduler and the dispatcher make in their hot paths is an index:
 *
 *   service        ServiceID                 replicated/global orchestrators, service ps
 *   node           NodeID                    dispatcher (a node's assignments), drain
 *   slot           (ServiceID, Slot)         a replica's history
 *   serviceNode    (ServiceID, NodeID)       a global service's task on a node; max per node
 *   desiredState   DesiredState              the scheduler's pending work, the reaper
 *   state          Status.State              observed state, e.g. all tasks still new
 *
 * The rule: a task's observed state only moves forward along the ladder.
 */
import type { Task } from '../../api/task.ts';
import { canTransition, type TaskState } from '../../api/task-state.ts';
import { RuleError } from '../errors.ts';
import { labelIndex, pairKey, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

export const taskTable: TableDef<Task> = {
  name: 'tasks',
  kind: 'task',
  indexes: [
    { name: 'service', keys: (t) => t.ServiceID || undefined },
    { name: 'node', keys: (t) => t.NodeID || undefined },
    { name: 'slot', keys: (t) => (t.Slot ? pairKey(t.ServiceID, t.Slot) : undefined) },
    { name: 'serviceNode', keys: (t) => (t.NodeID ? pairKey(t.ServiceID, t.NodeID) : undefined) },
    { name: 'desiredState', keys: (t) => t.DesiredState },
    { name: 'state', keys: (t) => t.Status.State },
    labelIndex((t) => t.Labels),
  ],
  check(old, next) {
    if (old && !canTransition(old.Status.State, next.Status.State)) {
      return new RuleError(
        'failed_precondition',
        `task ${next.ID}: state cannot move backward from ${old.Status.State} to ${next.Status.State}`,
      );
    }
    return undefined;
  },
};

export interface TaskReads extends TableReads<Task> {
  byService(serviceId: string): Stored<Task>[];
  byNode(nodeId: string): Stored<Task>[];
  /** The tasks (current and history) of a replicated service's slot. */
  bySlot(serviceId: string, slot: number): Stored<Task>[];
  /** The tasks of a service on a node (a global service's slot). */
  byServiceNode(serviceId: string, nodeId: string): Stored<Task>[];
  byDesiredState(state: TaskState): Stored<Task>[];
  /** By observed state (Status.State). */
  byState(state: TaskState): Stored<Task>[];
}

export class TaskView extends TableView<Task> implements TaskReads {
  byService(serviceId: string): Stored<Task>[] {
    return this.find('service', serviceId);
  }

  byNode(nodeId: string): Stored<Task>[] {
    return this.find('node', nodeId);
  }

  bySlot(serviceId: string, slot: number): Stored<Task>[] {
    return this.find('slot', pairKey(serviceId, slot));
  }

  byServiceNode(serviceId: string, nodeId: string): Stored<Task>[] {
    return this.find('serviceNode', pairKey(serviceId, nodeId));
  }

  byDesiredState(state: TaskState): Stored<Task>[] {
    return this.find('desiredState', state);
  }

  byState(state: TaskState): Stored<Task>[] {
    return this.find('state', state);
  }
}
