/**
 * What every orchestrator shares about tasks: how a task is born from a service (newTask),
 * which tasks still count (runnable, terminal), how they group into slots (a replica
 * number, or a node for global services), when a task no longer matches its service
 * (isTaskDirty, swarmkit's rule), and which nodes can no longer hold tasks (invalidNode).
 * Pure functions over store objects; nothing here reads the store or the time by itself.
 */
import type { Cluster } from '../../api/cluster.ts';
import { newId } from '../../api/ids.ts';
import type { Node } from '../../api/node.ts';
import { isGlobal, isJob, type Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { TASK_STATES, type TaskState } from '../../api/task-state.ts';
import { nodeMatchesConstraints, parseConstraints } from '../../api/validate/constraint.ts';
import type { Clock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import type { NewObject, Stored } from '../../store/types.ts';
import { deepEqual } from './equal.ts';

export type STask = Stored<Task>;
export type SService = Stored<Service>;
export type SNode = Stored<Node>;
export type SCluster = Stored<Cluster>;

/** The tasks of one slot (replicated) or of one node (global): usually one, two during an update. */
export type Slot = STask[];

const RUNNING = TASK_STATES.running;
const COMPLETE = TASK_STATES.complete;

export function rank(s: TaskState): number {
  return TASK_STATES[s];
}

export interface NewTaskOptions {
  /** Default 'running' ('complete' for job tasks); 'ready' for a delayed start. */
  desiredState?: TaskState;
  /** Job tasks carry the job iteration they run for. */
  jobIteration?: number;
  /** Precomputed `Status.Timestamp` (saves a Date per task in big batches). */
  timestamp?: string;
}

/**
 * A new task for `service`: in replica slot `slotOrNode` (a number) or on node
 * `slotOrNode` (a string, global services). Its spec is the service's task template as it
 * is now, its SpecVersion the service's; Status NEW "created". `cluster` is accepted for
 * swarmkit's shape (its default log driver belongs to the executor here: Task has no
 * LogDriver field of its own, and changing Spec would make the task look dirty).
 */
export function newTask(
  _cluster: SCluster | undefined,
  service: SService,
  slotOrNode: number | string,
  clock: Clock,
  rng: Rng,
  opts: NewTaskOptions = {},
): NewObject<Task> {
  const job = isJob(service.Spec);
  const t: NewObject<Task> = {
    ID: newId(rng),
    ServiceID: service.ID,
    ...(typeof slotOrNode === 'number' ? { Slot: slotOrNode } : { NodeID: slotOrNode }),
    Spec: service.Spec.TaskTemplate,
    ...(service.SpecVersion && { SpecVersion: { Index: service.SpecVersion.Index } }),
    ServiceAnnotations: {
      Name: service.Spec.Name,
      ...(service.Spec.Labels && { Labels: service.Spec.Labels }),
    },
    ...(job && { JobIteration: { Index: opts.jobIteration ?? service.JobStatus?.JobIteration.Index ?? 0 } }),
    DesiredState: opts.desiredState ?? (job ? 'complete' : 'running'),
    Status: { State: 'new', Timestamp: opts.timestamp ?? isoNow(clock), Message: 'created' },
  };
  return t;
}

export function isoNow(clock: Clock): string {
  return new Date(clock.wallNow()).toISOString();
}

/** Desired state at most RUNNING: the task is wanted (swarmkit's "runnable"). */
export function isRunnable(t: STask): boolean {
  return TASK_STATES[t.DesiredState] <= RUNNING;
}

/** A job task is wanted while its desired state is at most COMPLETE. */
export function isJobRunnable(t: STask): boolean {
  return TASK_STATES[t.DesiredState] <= COMPLETE;
}

/** Observed state past RUNNING: the task will never run again. */
export function hasTerminated(t: STask): boolean {
  return TASK_STATES[t.Status.State] > RUNNING;
}

/** Highest desired state an orchestrator still counts as "wanted" for this service. */
export function wantedCeiling(service: SService): number {
  return isJob(service.Spec) ? COMPLETE : RUNNING;
}

/**
 * The key of a task's slot: `s<slot>` for replicated services and jobs, `n<node id>` for
 * global ones (their tasks are keyed by node).
 */
export function slotKey(t: Pick<STask, 'Slot' | 'NodeID'>, global: boolean): string {
  return global ? `n${t.NodeID ?? ''}` : `s${t.Slot ?? 0}`;
}

export function slotKeyFor(t: STask, service: SService): string {
  return slotKey(t, isGlobal(service.Spec));
}

/** Tasks grouped by replica number (tasks without a slot are left out). */
export function groupBySlot(tasks: readonly STask[]): Map<number, STask[]> {
  const m = new Map<number, STask[]>();
  for (const t of tasks) {
    if (!t.Slot) continue;
    const g = m.get(t.Slot);
    if (g) g.push(t);
    else m.set(t.Slot, [t]);
  }
  return m;
}

/** Tasks grouped by node (tasks not on a node are left out). */
export function groupByNode(tasks: readonly STask[]): Map<string, STask[]> {
  const m = new Map<string, STask[]>();
  for (const t of tasks) {
    if (!t.NodeID) continue;
    const g = m.get(t.NodeID);
    if (g) g.push(t);
    else m.set(t.NodeID, [t]);
  }
  return m;
}

/** Oldest first: by creation stamp (the store's, monotonic), then id. */
export function byCreation(a: STask, b: STask): number {
  if (a.CreatedAt !== b.CreatedAt) return a.CreatedAt < b.CreatedAt ? -1 : 1;
  return a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0;
}

export function newestTask(tasks: readonly STask[]): STask | undefined {
  let best: STask | undefined;
  for (const t of tasks) if (!best || byCreation(best, t) < 0) best = t;
  return best;
}

/** swarmkit's InvalidNode: gone, down, or drained. Its tasks are to be replaced. */
export function invalidNode(n: SNode | undefined): boolean {
  return !n || n.Status.State === 'down' || n.Spec.Availability === 'drain';
}

/** Milliseconds since the epoch of an RFC 3339 stamp, NaN when absent or malformed. */
export function stampMs(iso: string | undefined): number {
  return iso ? Date.parse(iso) : Number.NaN;
}

/** The placement constraints of a spec; an unparsable list switches the check off (swarmkit). */
export function placementMatches(constraints: readonly string[] | undefined, node: SNode): boolean {
  if (!constraints || constraints.length === 0) return true;
  const parsed = parseConstraints(constraints);
  return !parsed.ok || nodeMatchesConstraints(parsed.constraints, node as Node);
}

/**
 * Does `t` no longer match `service` (swarmkit's IsTaskDirty)? Same SpecVersion: clean.
 * Otherwise compare the task template; a change of placement constraints alone is clean
 * while the task's node still satisfies them. swarmkit also compares the endpoint spec a
 * task was created with; our tasks carry only the allocator's ports, so an endpoint
 * change alone does not redeploy (docs/design/orchestrator.md, open questions).
 */
export function isTaskDirty(service: SService, t: STask, node: SNode | undefined): boolean {
  if (t.SpecVersion && service.SpecVersion && t.SpecVersion.Index === service.SpecVersion.Index) return false;
  const want = service.Spec.TaskTemplate;
  if (deepEqual(want, t.Spec)) return false;
  const placementOnly =
    !deepEqual(want.Placement, t.Spec.Placement) &&
    deepEqual({ ...want, Placement: t.Spec.Placement }, t.Spec);
  return !placementOnly || !node || !placementMatches(want.Placement?.Constraints, node);
}
