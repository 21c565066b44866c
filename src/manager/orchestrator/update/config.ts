/**
 * The parameters of a rolling update (or rollback), resolved as swarmkit's updater does:
 * no UpdateConfig at all means Docker's defaults (parallelism 1, delay 0, monitor 5 s,
 * failure action pause, max failure ratio 0, stop-first); a given config keeps its zero
 * values (Parallelism 0 = all at once), except a zero Monitor, which the daemon drops.
 * A rollback uses RollbackConfig the same way.
 */
import { NS_PER_MS } from '../../../api/meta.ts';
import type { FailureAction, UpdateConfig, UpdateOrder } from '../../../api/service.ts';
import { SERVICE_DEFAULTS } from '../../../api/validate/defaults.ts';
import type { SService } from '../task.ts';

export interface ResolvedUpdateConfig {
  /** Slots replaced at once; 0 = all of them. */
  parallelism: number;
  delayMs: number;
  monitorMs: number;
  failureAction: FailureAction;
  maxFailureRatio: number;
  order: UpdateOrder;
}

const D = SERVICE_DEFAULTS.update;

export function resolveUpdateConfig(service: SService, rollback: boolean): ResolvedUpdateConfig {
  const c: Readonly<UpdateConfig> | undefined = rollback
    ? service.Spec.RollbackConfig
    : service.Spec.UpdateConfig;
  if (!c) {
    return {
      parallelism: D.Parallelism,
      delayMs: 0,
      monitorMs: D.Monitor / NS_PER_MS,
      failureAction: D.FailureAction,
      maxFailureRatio: D.MaxFailureRatio,
      order: D.Order,
    };
  }
  return {
    parallelism: c.Parallelism ?? 0,
    delayMs: Math.max(0, c.Delay ?? 0) / NS_PER_MS,
    monitorMs: (c.Monitor && c.Monitor > 0 ? c.Monitor : D.Monitor) / NS_PER_MS,
    failureAction: c.FailureAction ?? D.FailureAction,
    maxFailureRatio: c.MaxFailureRatio ?? 0,
    order: c.Order ?? D.Order,
  };
}

/**
 * How long to keep watching after the last slot: the monitor period, or a little longer
 * than the delay when the delay is longer (swarmkit: a task still in its delay must not be
 * missed).
 */
export function finalMonitorMs(c: ResolvedUpdateConfig): number {
  return c.delayMs >= c.monitorMs ? c.delayMs + 1000 : c.monitorMs;
}
