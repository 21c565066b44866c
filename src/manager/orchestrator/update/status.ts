/**
 * Service.UpdateStatus, the update supervisor's field, as pure transitions with Docker's
 * (swarmkit's) messages:
 *
 *   (none) ──start──► updating "update in progress"
 *   (none) ──start──► rollback_started "manually requested rollback"   (controlapi rollback)
 *   updating ──failure, pause──► paused "update paused due to failure or early termination of task X"
 *   updating ──failure, rollback──► rollback_started "update rolled back due to failure or
 *            early termination of task X"   + Spec := PreviousSpec (written here, as swarmkit)
 *   rollback_started ──failure──► rollback_paused "rollback paused due to failure or early
 *            termination of task X"
 *   updating ──done──► completed "update completed";  rollback_started ──done──►
 *            rollback_completed "rollback completed"
 *
 * controlapi writes Spec and PreviousSpec but not UpdateStatus (one writer per field), so
 * whether a status still describes the current spec is read from the change itself
 * (classifySpecChange).
 */
import type { Service, UpdateStatus } from '../../../api/service.ts';
import type { Stored } from '../../../store/types.ts';
import { deepEqual } from '../equal.ts';
import type { SService } from '../task.ts';

export const MESSAGES = {
  updating: 'update in progress',
  manualRollback: 'manually requested rollback',
  completed: 'update completed',
  rollbackCompleted: 'rollback completed',
  paused: (task: string) => `update paused due to failure or early termination of task ${task}`,
  rolledBack: (task: string) => `update rolled back due to failure or early termination of task ${task}`,
  rollbackPaused: (task: string) => `rollback paused due to failure or early termination of task ${task}`,
  noPreviousSpec: 'cannot roll back service because no previous spec is available',
} as const;

/**
 * A service update as the update supervisor sees it:
 *   none      the spec did not change (a status write, an endpoint allocation…)
 *   written   the spec changed and whoever changed it also wrote UpdateStatus (our own
 *             automatic rollback, or a controlapi that sets the status as swarmkit's does)
 *   rollback  the spec became the previous one and the previous one the spec (rollback=previous)
 *   update    any other spec change: the UpdateStatus left behind describes an older spec
 */
export type SpecChange = 'none' | 'written' | 'rollback' | 'update';

export function classifySpecChange(old: SService, cur: SService): SpecChange {
  if (deepEqual(old.Spec, cur.Spec)) return 'none';
  if (!deepEqual(old.UpdateStatus, cur.UpdateStatus)) return 'written';
  const swapped =
    old.PreviousSpec !== undefined &&
    deepEqual(cur.Spec, old.PreviousSpec) &&
    (cur.PreviousSpec === undefined || deepEqual(cur.PreviousSpec, old.Spec));
  return swapped ? 'rollback' : 'update';
}

export function startedStatus(rollback: boolean, now: string): UpdateStatus {
  return rollback
    ? { State: 'rollback_started', Message: MESSAGES.manualRollback, StartedAt: now }
    : { State: 'updating', Message: MESSAGES.updating, StartedAt: now };
}

export function pausedStatus(cur: Stored<UpdateStatus> | undefined, message: string): UpdateStatus {
  const rollback = cur?.State === 'rollback_started';
  return { ...cur, State: rollback ? 'rollback_paused' : 'paused', Message: message };
}

export function completedStatus(cur: Stored<UpdateStatus> | undefined, now: string): UpdateStatus {
  const rollback = cur?.State === 'rollback_started';
  return {
    ...cur,
    State: rollback ? 'rollback_completed' : 'completed',
    Message: rollback ? MESSAGES.rollbackCompleted : MESSAGES.completed,
    CompletedAt: now,
  };
}

/**
 * The automatic rollback (FailureAction rollback), written by the updater as swarmkit's:
 * the previous spec becomes the spec, and there is no previous spec any more. The spec
 * version becomes the service's current version (controlapi's rule for a new spec); tasks
 * of the old spec still compare clean by content. Undefined without a previous spec.
 */
export function rollbackChanges(svc: SService, message: string): Partial<Stored<Service>> | undefined {
  if (!svc.PreviousSpec) return undefined;
  return {
    UpdateStatus: { ...svc.UpdateStatus, State: 'rollback_started', Message: message },
    Spec: svc.PreviousSpec,
    PreviousSpec: undefined,
    SpecVersion: { Index: svc.Version.Index },
  };
}
