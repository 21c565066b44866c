/**
 * What the executor reads from a task's spec, with Docker's defaults: the stop grace
 * period (10 s) and the health check timing (interval 30 s, timeout 30 s, 3 retries, no
 * start period, start interval 5 s). Durations in specs are nanoseconds; here they are ms.
 */
import { NS_PER_MS } from '../api/meta.ts';
import type { Task } from '../api/task.ts';
import type { ContainerSpec, HealthConfig } from '../api/task-spec.ts';

export const DEFAULT_STOP_GRACE_MS = 10_000;
export const DEFAULT_STOP_SIGNAL = 'SIGTERM';

export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
} as const;

export interface HealthTiming {
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  startIntervalMs: number;
}

const ms = (ns: number | undefined, dflt: number): number => (ns && ns > 0 ? ns / NS_PER_MS : dflt);

/** The task's stop grace period in ms (StopGracePeriod, default 10 s). */
export function stopGraceMs(task: Pick<Task, 'Spec'>): number {
  const ns = task.Spec.ContainerSpec?.StopGracePeriod;
  return ns !== undefined && ns >= 0 ? ns / NS_PER_MS : DEFAULT_STOP_GRACE_MS;
}

export function stopSignal(spec: ContainerSpec | undefined): string {
  const s = spec?.StopSignal;
  if (!s) return DEFAULT_STOP_SIGNAL;
  return s.startsWith('SIG') || /^\d+$/.test(s) ? s : `SIG${s}`;
}

/**
 * The health check the spec declares, or undefined when it declares none (no Test, or
 * ["NONE"]). An image's own HEALTHCHECK is the runtime's to add (Docker inspects it).
 */
export function healthCheckOf(
  spec: ContainerSpec | undefined,
): (HealthTiming & { test: string[] }) | undefined {
  const h: HealthConfig | undefined = spec?.HealthCheck;
  const test = h?.Test;
  if (!h || !test || test.length === 0 || test[0] === 'NONE') return undefined;
  return {
    test,
    intervalMs: ms(h.Interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: ms(h.Timeout, HEALTH_DEFAULTS.timeoutMs),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
    startPeriodMs: ms(h.StartPeriod, HEALTH_DEFAULTS.startPeriodMs),
    startIntervalMs: ms(h.StartInterval, HEALTH_DEFAULTS.startIntervalMs),
  };
}

/**
 * When a check that keeps failing from `failFromMs` on (ms after start) makes the task
 * unhealthy: probes run every startInterval during the start period, every interval after
 * it; failures inside the start period do not count; `retries` counted failures in a row
 * decide. Also gives the first probe time (a passing check makes the task healthy then).
 */
export function probeTimes(t: HealthTiming): {
  firstProbeMs: number;
  unhealthyAtMs: (failFromMs: number) => number;
} {
  const next = (at: number): number => (at < t.startPeriodMs ? at + t.startIntervalMs : at + t.intervalMs);
  return {
    firstProbeMs: next(0),
    unhealthyAtMs(failFromMs) {
      let at = next(0);
      while (at < failFromMs || at < t.startPeriodMs) at = next(at);
      for (let failures = 1; failures < t.retries; failures++) at = next(at);
      return at;
    },
  };
}
