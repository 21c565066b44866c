/**
 * The state progression of one task on a node, as a pure function: from what the runner
 * knows (its facts) to the one next step. Like swarmkit's exec.Do, but the decision is
 * kept apart from the controller calls, so it can be tested as a table and the runner
 * (task-runner.ts) only executes steps and records their results as facts.
 *
 *   ASSIGNED ─accepted─▶ ACCEPTED ─preparing─▶ PREPARING ─prepare()─▶ READY ─starting─▶ STARTING
 *     ─start()─▶ [health gate] ─started─▶ RUNNING ─exit 0─▶ COMPLETE "finished"
 *                                                 ─exit N─▶ FAILED "task: non-zero exit (N)"
 *   an error before STARTING ─▶ REJECTED (Err: the error's message); from STARTING ─▶ FAILED
 *   desired ≥ SHUTDOWN ─shutdown(grace)─▶ SHUTDOWN "shutdown" (unless already terminal)
 *   unhealthy ─shutdown(grace), then the exit─▶ FAILED "…: dockerexec: unhealthy container"
 *
 * Messages are Docker's (swarmkit's): a failure keeps the message of the state it failed
 * in and sets Err. States never go backwards: nextStatus refuses (canTransition).
 */
import type { ContainerStatus, TaskStatus } from '../api/task.ts';
import { atLeast, canTransition, isTerminal, type TaskState } from '../api/task-state.ts';
import type { ExitInfo, HealthStatus } from './executor.ts';

/** Docker's error for a task stopped because its health check failed. */
export const UNHEALTHY = 'dockerexec: unhealthy container';

export type StopReason = 'desired' | 'unhealthy';

/** What the runner knows about its task at one moment. */
export interface TaskFacts {
  /** The observed state: the last one reported. */
  state: TaskState;
  desired: TaskState;
  /** prepare() succeeded. */
  prepared: boolean;
  /** start() succeeded (or the task was found running): its process may be alive. */
  started: boolean;
  health: HealthStatus;
  /** The process ended. */
  exit?: ExitInfo;
  /** shutdown(): not asked, in flight, or finished (the process is gone). */
  stop: 'none' | 'requested' | 'done';
  /** A fatal (not temporary) error from a controller step. */
  error?: string;
  /** prepare() or start() is in flight. */
  busy?: 'prepare' | 'start';
}

/** A status change to report. `message` undefined: keep the current message. */
export interface Report {
  state: TaskState;
  message?: string;
  err?: string;
}

export type Step =
  | { kind: 'idle' }
  | { kind: 'report'; report: Report }
  | { kind: 'prepare' }
  | { kind: 'start' }
  /** Calls shutdown(grace); with prepare/start busy, abandons them first (preemption). */
  | { kind: 'shutdown'; reason: StopReason };

const IDLE: Step = { kind: 'idle' };
const report = (state: TaskState, message?: string, err?: string): Step => ({
  kind: 'report',
  report: err === undefined ? { state, message } : { state, message, err },
});

/** REJECTED before the task started, FAILED from STARTING on (swarmkit's rule). */
export function failure(state: TaskState, err: string): Report {
  return { state: atLeast(state, 'starting') ? 'failed' : 'rejected', err };
}

/** The terminal report for an exit: COMPLETE, or FAILED with Docker's message. */
export function exitReport(exit: ExitInfo, unhealthy: boolean): Report {
  if (unhealthy) {
    const err = exit.exitCode === 0 ? UNHEALTHY : `task: non-zero exit (${exit.exitCode}): ${UNHEALTHY}`;
    return { state: 'failed', err };
  }
  if (exit.exitCode === 0) return { state: 'complete', message: 'finished' };
  const err = `task: non-zero exit (${exit.exitCode})${exit.error ? `: ${exit.error}` : ''}`;
  return { state: 'failed', err };
}

/** The one next step for a task with these facts. */
export function nextStep(f: TaskFacts): Step {
  if (isTerminal(f.state)) return IDLE;
  if (f.error !== undefined) {
    const r = failure(f.state, f.error);
    return report(r.state, undefined, r.err);
  }
  if (atLeast(f.desired, 'shutdown')) {
    if (f.stop === 'done' || (f.stop === 'requested' && f.exit)) return report('shutdown', 'shutdown');
    if (f.stop === 'requested') return IDLE;
    return { kind: 'shutdown', reason: 'desired' };
  }
  if (f.exit) {
    const r = exitReport(f.exit, f.health === 'unhealthy');
    return report(r.state, r.message, r.err);
  }
  if (f.started && f.health === 'unhealthy') {
    return f.stop === 'none' ? { kind: 'shutdown', reason: 'unhealthy' } : IDLE;
  }
  if (f.busy) return IDLE;
  switch (f.state) {
    case 'new':
    case 'pending':
    case 'allocated':
    case 'assigned':
      return atLeast(f.desired, 'accepted') ? report('accepted', 'accepted') : IDLE;
    case 'accepted':
      return atLeast(f.desired, 'preparing') ? report('preparing', 'preparing') : IDLE;
    case 'preparing':
      // Once preparing, a task finishes preparing whatever the desired state (as swarmkit).
      return f.prepared ? report('ready', 'prepared') : { kind: 'prepare' };
    case 'ready':
      return atLeast(f.desired, 'starting') ? report('starting', 'starting') : IDLE;
    case 'starting':
      if (!f.started) return { kind: 'start' };
      // The health gate: with a health check, RUNNING only once it has passed.
      return f.health === 'starting' ? IDLE : report('running', 'started');
    default:
      return IDLE; // running: the exit (or a health change, or a new desired state) moves it on
  }
}

/**
 * The status after `r`: a new TaskStatus stamped `timestamp`. Throws on a backward move:
 * that is a bug in the caller, never an expected outcome.
 */
export function nextStatus(
  prev: TaskStatus,
  r: Report,
  timestamp: string,
  container?: ContainerStatus,
): TaskStatus {
  if (!canTransition(prev.State, r.state)) {
    throw new Error(`task state may not go from ${prev.State} back to ${r.state}`);
  }
  const next: TaskStatus = {
    Timestamp: timestamp,
    State: r.state,
    Message: r.message ?? prev.Message ?? '',
  };
  if (r.err !== undefined) next.Err = r.err;
  const cs = container ?? prev.ContainerStatus;
  if (cs && atLeast(r.state, 'starting')) next.ContainerStatus = cs;
  if (prev.PortStatus) next.PortStatus = prev.PortStatus;
  return next;
}
