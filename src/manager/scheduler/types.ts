/**
 * The scheduler's outcomes as values. A pending task either gets a node or an explanation
 * in Docker's words ("no suitable node (scheduling constraints not satisfied on 3 nodes)"),
 * which the wiring writes to Task.Status.Err unchanged. `failures` carries the same facts in
 * structured form (per filter, how many nodes it ruled out) for logs, tests and the web UI.
 */
import type { GenericResource } from '../../api/index.ts';
import type { Rng } from '../../base/rng.ts';

/** The filters of the pipeline, in the order they run (swarmkit's order). */
export type FilterName =
  | 'ready'
  | 'resources'
  | 'plugins'
  | 'constraints'
  | 'platform'
  | 'host-ports'
  | 'max-replicas';

export interface FilterFailure {
  readonly filter: FilterName;
  /** Nodes on which this was the first filter to fail. */
  readonly nodes: number;
}

export interface Assigned {
  readonly kind: 'assigned';
  readonly taskId: string;
  readonly nodeId: string;
  /** Named/discrete generic resources claimed on the node (Task.AssignedGenericResources). */
  readonly assignedGenericResources?: readonly GenericResource[];
}

export interface Unschedulable {
  readonly kind: 'unschedulable';
  readonly taskId: string;
  /** Docker's text, e.g. `no suitable node (insufficient resources on 2 nodes)`. */
  readonly reason: string;
  /** Most failures first; empty when there was no node at all. */
  readonly failures: readonly FilterFailure[];
}

export type SchedulingDecision = Assigned | Unschedulable;

export interface ScheduleOptions {
  /**
   * Breaks ties between equally good nodes (and preference branches). Without it ties go
   * to the smallest node id (label value), which makes decisions reproducible from input.
   */
  readonly rng?: Rng;
}
