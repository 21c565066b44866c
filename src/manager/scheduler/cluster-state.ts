/**
 * ClusterState: the scheduler's incremental picture of the swarm, one NodeInfo per node.
 * The wiring feeds it store events (node created/updated/removed, task created/updated/
 * removed) and each costs O(1) (a node update: O(its tasks)); nothing rescans the cluster.
 * It has no store dependency: tests and the benchmark build it from plain objects.
 *
 * A task weighs on a node while it is assigned there and not terminal: NodeID set and
 * observed state from ASSIGNED to RUNNING. Pending tasks are the scheduler's input, not its
 * state. A task whose node is not known yet (snapshot order) or any more (node removed) is
 * parked under that node id and lands on it if the node appears.
 */
import type { GenericResource, Node, Task } from '../../api/index.ts';
import { TASK_STATES } from '../../api/index.ts';
import { NodeInfo } from './nodeinfo.ts';
import { loadOf, type TaskLoad } from './requirements.ts';

export class ClusterState {
  private readonly infos = new Map<string, NodeInfo>();
  /** task id -> node id, for every task held or parked. */
  private readonly taskNode = new Map<string, string>();
  private readonly parked = new Map<string, Map<string, TaskLoad>>();
  private orderStale = false;

  get nodeCount(): number {
    return this.infos.size;
  }

  node(nodeId: string): NodeInfo | undefined {
    return this.infos.get(nodeId);
  }

  nodes(): IterableIterator<NodeInfo> {
    return this.infos.values();
  }

  /** The node a task weighs on (held or parked), if any. */
  nodeOfTask(taskId: string): string | undefined {
    return this.taskNode.get(taskId);
  }

  upsertNode(node: Node): void {
    const info = this.infos.get(node.ID);
    if (info !== undefined) {
      info.setNode(node);
      return;
    }
    const fresh = new NodeInfo(node);
    this.infos.set(node.ID, fresh);
    this.orderStale = true;
    const waiting = this.parked.get(node.ID);
    if (waiting !== undefined) {
      this.parked.delete(node.ID);
      for (const load of waiting.values()) fresh.addTask(load);
    }
  }

  /** The node leaves; its tasks stay parked under its id until they are removed. */
  removeNode(nodeId: string): void {
    const info = this.infos.get(nodeId);
    if (info === undefined) return;
    this.infos.delete(nodeId);
    this.orderStale = true;
    let park: Map<string, TaskLoad> | undefined;
    for (const load of info.loads()) {
      if (park === undefined) {
        park = new Map();
        this.parked.set(nodeId, park);
      }
      park.set(load.taskId, load);
    }
  }

  /** A task was created or changed in the store. */
  upsertTask(task: Task): void {
    const rank = TASK_STATES[task.Status.State];
    const holds = !!task.NodeID && rank >= TASK_STATES.assigned && rank <= TASK_STATES.running;
    if (!holds) {
      this.removeTask(task.ID);
      return;
    }
    this.hold(task.NodeID as string, loadOf(task));
  }

  removeTask(taskId: string): void {
    const nodeId = this.taskNode.get(taskId);
    if (nodeId === undefined) return;
    this.taskNode.delete(taskId);
    if (this.infos.get(nodeId)?.removeTask(taskId)) return;
    const park = this.parked.get(nodeId);
    if (park?.delete(taskId) && park.size === 0) this.parked.delete(nodeId);
  }

  /**
   * Records a task on a node (the scheduler's own decision, or a store event) and returns
   * the generic resources it holds there.
   */
  hold(nodeId: string, load: TaskLoad): readonly GenericResource[] {
    const prev = this.taskNode.get(load.taskId);
    if (prev !== undefined && prev !== nodeId) this.removeTask(load.taskId);
    this.taskNode.set(load.taskId, nodeId);
    const info = this.infos.get(nodeId);
    if (info !== undefined) return info.addTask(load);
    let park = this.parked.get(nodeId);
    if (park === undefined) {
      park = new Map();
      this.parked.set(nodeId, park);
    }
    park.set(load.taskId, load);
    return load.genericHeld ?? [];
  }

  /** Numbers the nodes by id (NodeInfo.order) if nodes came or went since the last call. */
  refreshOrder(): void {
    if (!this.orderStale) return;
    const sorted = [...this.infos.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    sorted.forEach((info, i) => {
      info.order = i;
    });
    this.orderStale = false;
  }
}
