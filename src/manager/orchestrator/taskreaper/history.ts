/**
 * Which tasks the reaper deletes (pure), after swarmkit's task reaper:
 *
 *   slot history   a slot (replicated; a node for global services) keeps at most
 *                  TaskHistoryRetentionLimit tasks (default 5, the current one included;
 *                  negative: keep everything); MaxAttempts n > 0 overrides it with n + 1 so
 *                  restart history can be rebuilt. Oldest go first, and only tasks that
 *                  will not run again: stopped, never assigned and no longer wanted, or no
 *                  longer wanted on a node that is gone. Job tasks are kept: their
 *                  completions are the job's progress.
 *   removal        a task desired REMOVE (scale-down, deleted service, global task of a
 *                  removed node) once it stopped, if it was never assigned, or if its node
 *                  is gone (it will never report); any task of a deleted service likewise;
 *                  a task without a service once ORPHANED.
 */
import { isJob } from '../../../api/service.ts';
import { byCreation, hasTerminated, rank, type SService, type STask } from '../task.ts';

export const DEFAULT_HISTORY = 5;

export function historyLimit(service: SService, clusterLimit: number | undefined): number {
  const max = service.Spec.TaskTemplate.RestartPolicy?.MaxAttempts ?? 0;
  if (max > 0) return max + 1;
  return clusterLimit ?? DEFAULT_HISTORY;
}

/** Will this task never run (again)? */
export function spent(t: STask, nodeExists: (id: string) => boolean): boolean {
  if (hasTerminated(t)) return true;
  if (rank(t.DesiredState) <= rank('running')) return false;
  return (
    rank(t.Status.State) < rank('assigned') ||
    (t.NodeID !== undefined && t.NodeID !== '' && !nodeExists(t.NodeID))
  );
}

/** The tasks of one slot to delete, oldest first, to bring it down to `limit`. */
export function trimSlot(
  tasks: readonly STask[],
  limit: number,
  nodeExists: (id: string) => boolean,
): STask[] {
  if (limit < 0 || tasks.length <= limit) return [];
  let excess = tasks.length - limit;
  const out: STask[] = [];
  for (const t of [...tasks].sort(byCreation)) {
    if (excess === 0) break;
    if (!spent(t, nodeExists)) continue;
    out.push(t);
    excess--;
  }
  return out;
}

/** Slot history applies to this service (not to jobs). */
export function keepsHistory(service: SService): boolean {
  return !isJob(service.Spec);
}

/** May the task go now, independently of its slot's history? */
export function removable(t: STask, serviceExists: boolean, nodeExists: (id: string) => boolean): boolean {
  const nodeGone = t.NodeID !== undefined && t.NodeID !== '' && !nodeExists(t.NodeID);
  const over = hasTerminated(t) || rank(t.Status.State) < rank('assigned') || nodeGone;
  if (t.DesiredState === 'remove') return over;
  if (!t.ServiceID) return rank(t.Status.State) >= rank('orphaned');
  return !serviceExists && over;
}
