/**
 * The restart policy as decisions (pure): may a task that stopped be replaced, and after
 * how long? Docker's defaults: condition `any`, delay 5 s, MaxAttempts 0 (unlimited),
 * Window 0 (unbounded). The history is per slot (per node for global services) and per
 * spec version: an update starts the count again (swarmkit's instanceRestartInfo).
 *
 *   condition none                      never
 *   condition on-failure                not after COMPLETE
 *   condition any                       always (jobs: not after COMPLETE, swarmkit)
 *   MaxAttempts n, Window 0             fewer than n restarts of this slot at this version
 *   MaxAttempts n, Window w             fewer than n restarts in the last w
 */
import { NS_PER_MS } from '../../../api/meta.ts';
import type { RestartCondition } from '../../../api/task-spec.ts';
import type { TaskState } from '../../../api/task-state.ts';
import { SERVICE_DEFAULTS } from '../../../api/validate/defaults.ts';
import type { STask } from '../task.ts';

export interface ResolvedRestartPolicy {
  condition: RestartCondition;
  delayMs: number;
  /** 0: unlimited. */
  maxAttempts: number;
  /** 0: unbounded. */
  windowMs: number;
}

export function restartPolicy(t: Pick<STask, 'Spec'>): ResolvedRestartPolicy {
  const p = t.Spec.RestartPolicy;
  const delay = p?.Delay;
  return {
    condition: p?.Condition ?? SERVICE_DEFAULTS.restart.Condition,
    delayMs: (delay !== undefined && delay >= 0 ? delay : SERVICE_DEFAULTS.restart.Delay) / NS_PER_MS,
    maxAttempts: p?.MaxAttempts ?? 0,
    windowMs: (p?.Window ?? 0) / NS_PER_MS,
  };
}

/** Does the condition allow replacing a task that ended in `state`? */
export function conditionAllows(condition: RestartCondition, state: TaskState, job: boolean): boolean {
  switch (condition) {
    case 'none':
      return false;
    case 'on-failure':
      return state !== 'complete';
    case 'any':
      return !(job && state === 'complete');
  }
}

/** The restarts of one slot: how many at this spec version, and when (if a window is set). */
export interface RestartHistory {
  specVersion: number | undefined;
  total: number;
  /** Wall-clock ms of each restart, oldest first; kept only when the policy has a window. */
  stamps: number[];
}

/**
 * Is another restart within MaxAttempts? Prunes `h.stamps` older than the window (they
 * will never count again). `taskVersion` is the stopped task's SpecVersion: a history of
 * another version does not count against it.
 */
export function withinAttempts(
  policy: ResolvedRestartPolicy,
  h: RestartHistory | undefined,
  taskVersion: number | undefined,
  nowMs: number,
): boolean {
  if (policy.maxAttempts === 0) return true;
  if (!h || (taskVersion !== undefined && taskVersion !== h.specVersion)) return true;
  if (policy.windowMs === 0) return h.total < policy.maxAttempts;
  const lookback = nowMs - policy.windowMs;
  let drop = 0;
  while (drop < h.stamps.length && (h.stamps[drop] as number) <= lookback) drop++;
  if (drop > 0) h.stamps.splice(0, drop);
  return h.stamps.length < policy.maxAttempts;
}

/** Counts one restart (a replacement created at `atMs` for spec version `version`). */
export function recordRestart(
  policy: ResolvedRestartPolicy,
  h: RestartHistory | undefined,
  version: number | undefined,
  atMs: number,
): RestartHistory | undefined {
  if (policy.maxAttempts === 0) return h;
  const cur =
    h && (version === undefined || version === h.specVersion)
      ? h
      : { specVersion: version, total: 0, stamps: [] };
  cur.total++;
  if (policy.windowMs > 0) cur.stamps.push(atMs);
  return cur;
}
