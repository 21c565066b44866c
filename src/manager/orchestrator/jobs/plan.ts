/**
 * The jobs orchestrator's decisions (pure). A job runs tasks to COMPLETE (their desired
 * state) in iterations: Service.JobStatus.JobIteration names the current one, and only its
 * tasks count; live tasks of older iterations are removed.
 *
 *   replicated-job  slots 1..TotalCompletions, each to end with one COMPLETE task; at most
 *                   MaxConcurrent running at once (defaults: MaxConcurrent 1, Total =
 *                   MaxConcurrent); a failed task is restarted (restart supervisor), one
 *                   that may not be (condition none, attempts used up) spends its slot
 *   global-job      one COMPLETE task per eligible node that existed at LastExecution
 *
 * A new iteration starts when the spec changed under the current one (its tasks carry an
 * older SpecVersion); controlapi normally starts it itself, atomically with the spec.
 */
import type { JobStatus } from '../../../api/service.ts';
import { deepEqual } from '../equal.ts';
import { nodeFit, serviceConstraints } from '../global/plan.ts';
import { rank, type SNode, type SService, type STask, stampMs } from '../task.ts';

export interface JobPlan {
  iteration: number;
  /** JobStatus to write first, when it is missing or a new iteration starts. */
  jobStatus?: JobStatus;
  /** Slot numbers (replicated-job) or node ids (global-job) that get a new task. */
  create: Array<number | string>;
  /** Failed tasks of this iteration, or tasks on nodes gone bad: to the restart supervisor. */
  restart: STask[];
  /** Live tasks of older iterations: desired REMOVE. */
  remove: STask[];
  /** Tasks of this iteration whose node no longer takes them (global-job): desired SHUTDOWN. */
  shutdown: STask[];
}

export function specChanged(t: STask, service: SService): boolean {
  if (t.SpecVersion && service.SpecVersion) return t.SpecVersion.Index !== service.SpecVersion.Index;
  return !deepEqual(t.Spec, service.Spec.TaskTemplate);
}

/** The iteration to run, and the JobStatus to write for it if the stored one does not say so. */
export function jobIteration(
  service: SService,
  tasks: readonly STask[],
  now: string,
): { iteration: number; jobStatus?: JobStatus } {
  const cur = service.JobStatus;
  if (!cur)
    return { iteration: 0, jobStatus: { JobIteration: { Index: 0 }, LastExecution: service.CreatedAt } };
  const it = cur.JobIteration.Index;
  const outdated = tasks.some((t) => t.JobIteration?.Index === it && specChanged(t, service));
  if (!outdated) return { iteration: it };
  return { iteration: it + 1, jobStatus: { JobIteration: { Index: it + 1 }, LastExecution: now } };
}

const COMPLETE = rank('complete');
const isFailed = (t: STask) => rank(t.Status.State) > rank('running') && t.Status.State !== 'complete';
const stillWanted = (t: STask) => rank(t.DesiredState) <= COMPLETE;

interface Sorted {
  current: STask[];
  remove: STask[];
}

function byIteration(tasks: readonly STask[], iteration: number): Sorted {
  const out: Sorted = { current: [], remove: [] };
  for (const t of tasks) {
    if (t.JobIteration?.Index === iteration) out.current.push(t);
    else if (rank(t.Status.State) <= rank('running') && rank(t.DesiredState) < rank('remove'))
      out.remove.push(t);
  }
  return out;
}

export function planReplicatedJob(
  service: SService,
  tasks: readonly STask[],
  iteration: number,
  shouldRestart: (t: STask) => boolean,
  nodeValid: (id: string) => boolean,
): JobPlan {
  const rj = service.Spec.Mode?.ReplicatedJob ?? {};
  const maxConcurrent = rj.MaxConcurrent ?? 1;
  const total = rj.TotalCompletions ?? maxConcurrent;
  const { current, remove } = byIteration(tasks, iteration);
  const occupied = new Set<number>();
  const restart: STask[] = [];
  let complete = 0;
  let running = 0;
  for (const t of current) {
    const slot = t.Slot ?? 0;
    if (t.Status.State === 'complete') {
      complete++;
      occupied.add(slot);
    } else if (stillWanted(t)) {
      running++;
      occupied.add(slot);
      if (isFailed(t) || (t.NodeID && !nodeValid(t.NodeID))) restart.push(t);
    } else if (!shouldRestart(t)) occupied.add(slot); // spent: it failed for good
  }
  const want = Math.max(0, Math.min(maxConcurrent - running, total - complete - running));
  const create: number[] = [];
  for (let s = 1; s <= total && create.length < want; s++) if (!occupied.has(s)) create.push(s);
  return { iteration, create, restart, remove, shutdown: [] };
}

export function planGlobalJob(
  service: SService,
  tasks: readonly STask[],
  nodes: readonly SNode[],
  iteration: number,
  lastExecution: string,
  shouldRestart: (t: STask) => boolean,
): JobPlan {
  const constraints = serviceConstraints(service);
  const byId = new Map(nodes.map((n) => [n.ID, n]));
  const { current, remove } = byIteration(tasks, iteration);
  const occupied = new Set<string>();
  const restart: STask[] = [];
  const shutdown: STask[] = [];
  for (const t of current) {
    const node = t.NodeID ?? '';
    const fit = nodeFit(byId.get(node), constraints);
    if (t.Status.State === 'complete') occupied.add(node);
    else if (stillWanted(t)) {
      occupied.add(node);
      const takes = fit === 'eligible' || fit === 'not-ready';
      if (!takes) shutdown.push(t);
      else if (isFailed(t)) restart.push(t);
    } else if (!shouldRestart(t)) occupied.add(node);
  }
  const cutoff = stampMs(lastExecution);
  const create: string[] = [];
  for (const n of [...nodes].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))) {
    if (occupied.has(n.ID) || nodeFit(n, constraints) !== 'eligible') continue;
    if (!(stampMs(n.CreatedAt) <= cutoff)) continue; // joined after this iteration started
    create.push(n.ID);
  }
  return { iteration, create, restart, remove, shutdown };
}
