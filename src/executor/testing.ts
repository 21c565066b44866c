/**
 * Test helpers for executors (the contract suite, the fake's and the runner's tests, and
 * later the process and Docker harnesses): a task fixture, a status recorder that checks
 * states only move forward, and polling on an injected clock.
 */
import assert from 'node:assert/strict';
import type { Task, TaskStatus } from '../api/task.ts';
import type { ContainerSpec } from '../api/task-spec.ts';
import { stateRank, type TaskState } from '../api/task-state.ts';
import type { Clock, Timer } from '../base/clock.ts';
import type { StatusListener } from './task-runner.ts';

/** A task as the dispatcher hands it to an agent: ASSIGNED, desired RUNNING. */
export function makeTask(id: string, spec: ContainerSpec, desired: TaskState = 'running'): Task {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: at,
    UpdatedAt: at,
    Name: `svc.1.${id}`,
    ServiceID: 'svc',
    Slot: 1,
    NodeID: 'node',
    Spec: { ContainerSpec: spec },
    Status: { Timestamp: at, State: 'assigned', Message: 'scheduler assigned task to node' },
    DesiredState: desired,
  };
}

/** Records the statuses a runner reports, and checks they only move forward. */
export class StatusLog {
  readonly statuses: TaskStatus[] = [];
  readonly listener: StatusListener = (_id, s) => {
    const prev = this.statuses.at(-1);
    if (prev && stateRank(s.State) <= stateRank(prev.State)) {
      this.violations.push(`${prev.State} -> ${s.State}`);
    }
    this.statuses.push(s);
  };
  private readonly violations: string[] = [];

  get states(): TaskState[] {
    return this.statuses.map((s) => s.State);
  }

  get last(): TaskStatus | undefined {
    return this.statuses.at(-1);
  }

  get state(): TaskState | undefined {
    return this.last?.State;
  }

  has(state: TaskState): boolean {
    return this.statuses.some((s) => s.State === state);
  }

  find(state: TaskState): TaskStatus | undefined {
    return this.statuses.find((s) => s.State === state);
  }

  /** Every report moved strictly forward on the state ladder. */
  assertForward(): void {
    assert.deepStrictEqual(this.violations, [], `backward or repeated states in ${this.states.join(', ')}`);
  }
}

/** Polls `cond` on `clock` until it holds or `timeoutMs` pass; returns cond(). */
export async function pollUntil(
  clock: Clock,
  cond: () => boolean,
  timeoutMs: number,
  everyMs = 5,
): Promise<boolean> {
  const end = clock.now() + timeoutMs;
  while (!cond() && clock.now() < end) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, everyMs));
  }
  return cond();
}

/** A virtual time the tests can step (src/sim/time.ts's VirtualTime fits). */
export interface SteppableTime {
  now: number;
  next(limit: number): (() => void) | undefined;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs virtual time until `cond()` holds or `timeoutMs` have passed, letting every promise
 * settle after each event; returns cond(). Time jumps to the deadline when nothing is left.
 */
export async function runUntil(vt: SteppableTime, cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = vt.now + timeoutMs;
  await settle();
  while (!cond()) {
    const fn = vt.next(end);
    if (!fn) {
      vt.now = Math.max(vt.now, end);
      break;
    }
    fn();
    await settle();
  }
  return cond();
}

/** Wraps a clock to count its live timers: tests fail on leaks. */
export function trackTimers(clock: Clock): Clock & { readonly live: number } {
  let live = 0;
  const track = (make: (fn: () => void) => Timer, once: boolean, fn: () => void): Timer => {
    let alive = true;
    live++;
    const t = make(() => {
      if (once && alive) {
        alive = false;
        live--;
      }
      fn();
    });
    return {
      cancel() {
        if (alive) {
          alive = false;
          live--;
        }
        t.cancel();
      },
    };
  };
  return {
    get live() {
      return live;
    },
    now: () => clock.now(),
    wallNow: () => clock.wallNow(),
    setTimeout: (fn, ms) => track((f) => clock.setTimeout(f, ms), true, fn),
    setInterval: (fn, ms) => track((f) => clock.setInterval(f, ms), false, fn),
  };
}
