/**
 * The placement tree of one task group: where the next task of a service should go.
 *
 * Spread preferences split the nodes by label value, level after level
 * (`node.labels.region`, then `node.labels.zone`); a leaf holds the nodes that passed the
 * filters, in a heap ordered by (tasks of this service, tasks in total, tie-break). Each
 * branch counts the service's tasks on all its nodes (fit or not, as swarmkit does) and each
 * level keeps its live branches in a heap by (that count, tie-break). The next task goes
 * down the least-loaded branch at every level to the least-loaded node; then only the keys
 * on that path change, so a placement costs O(depth x log width + log nodes).
 * A node that can take no more (resources, host ports, max replicas) leaves its heap; a
 * branch with no node left leaves its parent's.
 */
import type { Rng } from '../../base/rng.ts';
import type { ClusterState } from './cluster-state.ts';
import type { Pipeline } from './filters.ts';
import { Heap } from './heap.ts';
import type { NodeInfo } from './nodeinfo.ts';

interface Candidate {
  readonly info: NodeInfo;
  svc: number;
  total: number;
  readonly tie: number;
}

interface Branch {
  tasks: number;
  tie: number;
  readonly children: Map<string, Branch> | null;
  readonly items: Candidate[];
  kids: Heap<Branch> | null;
  leaf: Heap<Candidate> | null;
}

const candidateLess = (a: Candidate, b: Candidate): boolean =>
  a.svc !== b.svc ? a.svc < b.svc : a.total !== b.total ? a.total < b.total : a.tie < b.tie;

const branchLess = (a: Branch, b: Branch): boolean =>
  a.tasks !== b.tasks ? a.tasks < b.tasks : a.tie < b.tie;

const newBranch = (leaf: boolean): Branch => ({
  tasks: 0,
  tie: 0,
  children: leaf ? null : new Map(),
  items: [],
  kids: null,
  leaf: null,
});

const isEmpty = (b: Branch): boolean => (b.leaf !== null ? b.leaf.size === 0 : (b.kids?.size ?? 0) === 0);

export class PlacementTree {
  private readonly root: Branch;
  private readonly path: Branch[] = [];
  private chosen: Candidate | undefined;

  constructor(
    state: ClusterState,
    private readonly pipeline: Pipeline,
    private readonly rng?: Rng,
  ) {
    const { serviceId, spread } = pipeline.req;
    let ties: Float64Array | undefined;
    if (rng !== undefined) {
      ties = new Float64Array(state.nodeCount);
      for (let i = 0; i < ties.length; i++) ties[i] = rng.next();
    }
    this.root = newBranch(spread.length === 0);
    for (const info of state.nodes()) {
      const svc = info.tasksOf(serviceId);
      let b = this.root;
      b.tasks += svc;
      for (let level = 0; level < spread.length; level++) {
        const value = info.spreadValue(spread[level] as (typeof spread)[number]);
        const children = b.children as Map<string, Branch>;
        let next = children.get(value);
        if (next === undefined) {
          next = newBranch(level === spread.length - 1);
          children.set(value, next);
        }
        next.tasks += svc;
        b = next;
      }
      if (pipeline.passes(info)) {
        b.items.push({
          info,
          svc,
          total: info.activeTasks,
          tie: ties ? (ties[info.order] ?? 0) : info.order,
        });
      }
    }
    this.finish(this.root);
  }

  private finish(b: Branch): void {
    if (b.children === null) {
      b.leaf = new Heap(candidateLess, b.items);
      return;
    }
    const sorted = [...b.children].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    const live: Branch[] = [];
    sorted.forEach(([, child], i) => {
      child.tie = this.rng !== undefined ? this.rng.next() : i;
      this.finish(child);
      if (!isEmpty(child)) live.push(child);
    });
    b.kids = new Heap(branchLess, live);
  }

  /** The node the next task should go to, or undefined when no node can take it. */
  best(): NodeInfo | undefined {
    this.path.length = 0;
    let b = this.root;
    while (b.kids !== null) {
      const next = b.kids.peek();
      if (next === undefined) return undefined;
      this.path.push(b);
      b = next;
    }
    this.path.push(b);
    this.chosen = b.leaf?.peek();
    return this.chosen?.info;
  }

  /** The task from the last best() has been recorded on that node: update the keys. */
  placed(): void {
    const c = this.chosen;
    if (c === undefined) throw new Error('placed() without a node from best()');
    this.chosen = undefined;
    const delta = c.info.tasksOf(this.pipeline.req.serviceId) - c.svc;
    c.svc += delta;
    c.total = c.info.activeTasks;
    const path = this.path;
    const leaf = path[path.length - 1] as Branch;
    if (this.pipeline.stillFits(c.info)) leaf.leaf?.updateTop();
    else leaf.leaf?.pop();
    for (let i = path.length - 1; i >= 0; i--) {
      const b = path[i] as Branch;
      b.tasks += delta;
      const parent = path[i - 1];
      if (parent === undefined) break;
      if (isEmpty(b)) parent.kids?.pop();
      else parent.kids?.updateTop();
    }
  }
}
