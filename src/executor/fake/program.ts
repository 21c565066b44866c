/**
 * What a fake task "runs": its behaviour, read from the container labels `shoal.fake.*`
 * (so a user of the simulator can say `--container-label shoal.fake.exit=3`) and from the
 * spec's HealthCheck. The FakeExecutor's `program` option may rewrite it per task (the
 * simulator draws durations and failures from its seeded Rng there).
 *
 *   shoal.fake.exit=N          exits by itself with code N (default: runs until stopped)
 *   shoal.fake.run-ms=N        ...after N ms (default 0)
 *   shoal.fake.on-stop=exit|ignore|hang
 *                              on its stop signal: exits (143) after stop-ms / ignores it
 *                              (only SIGKILL ends it: 137) / cannot be stopped at all
 *   shoal.fake.hang=prepare|start   that step never finishes (until shut down)
 *   shoal.fake.prepare-ms, start-ms, stop-ms=N   how long each step takes
 *   shoal.fake.health=pass|fail     result of the spec's health check (default pass)
 *   shoal.fake.unhealthy-ms=N       the check passes, then fails from N ms after start
 */
import type { Labels } from '../../api/meta.ts';
import type { Task } from '../../api/task.ts';
import { type HealthTiming, healthCheckOf, stopSignal } from '../spec.ts';

export type OnStop = 'exit' | 'ignore' | 'hang';

export interface FakeProgram {
  /** Exit code when it ends by itself; undefined: runs until stopped. */
  exitCode?: number;
  runMs: number;
  onStop: OnStop;
  /** The code it exits with when its stop signal ends it (143: killed by SIGTERM). */
  stopExitCode: number;
  stopSignal: string;
  hang?: 'prepare' | 'start';
  prepareMs: number;
  startMs: number;
  stopMs: number;
  /** Its health check, when it has one. */
  health?: HealthTiming & { pass: boolean; unhealthyMs?: number };
}

export const FAKE_LABEL = 'shoal.fake.';

function num(labels: Labels, key: string): number | undefined {
  const v = labels[FAKE_LABEL + key];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`label ${FAKE_LABEL}${key}=${v}: want a number ≥ 0`);
  return n;
}

function oneOf<T extends string>(labels: Labels, key: string, allowed: readonly T[]): T | undefined {
  const v = labels[FAKE_LABEL + key];
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`label ${FAKE_LABEL}${key}=${v}: want one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** The program a task's spec describes (throws on a malformed label: the task is rejected). */
export function programOf(task: Pick<Task, 'Spec'>): FakeProgram {
  const spec = task.Spec.ContainerSpec;
  const labels = spec?.Labels ?? {};
  const exitCode = num(labels, 'exit');
  const hc = healthCheckOf(spec);
  const p: FakeProgram = {
    runMs: num(labels, 'run-ms') ?? 0,
    onStop: oneOf(labels, 'on-stop', ['exit', 'ignore', 'hang'] as const) ?? 'exit',
    stopExitCode: 143,
    stopSignal: stopSignal(spec),
    prepareMs: num(labels, 'prepare-ms') ?? 0,
    startMs: num(labels, 'start-ms') ?? 0,
    stopMs: num(labels, 'stop-ms') ?? 0,
  };
  if (exitCode !== undefined) p.exitCode = exitCode;
  const hang = oneOf(labels, 'hang', ['prepare', 'start'] as const);
  if (hang) p.hang = hang;
  if (hc) {
    const pass = (oneOf(labels, 'health', ['pass', 'fail'] as const) ?? 'pass') === 'pass';
    const unhealthyMs = num(labels, 'unhealthy-ms');
    p.health = {
      intervalMs: hc.intervalMs,
      timeoutMs: hc.timeoutMs,
      retries: hc.retries,
      startPeriodMs: hc.startPeriodMs,
      startIntervalMs: hc.startIntervalMs,
      pass,
      ...(unhealthyMs === undefined ? {} : { unhealthyMs }),
    };
  }
  return p;
}
