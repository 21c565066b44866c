/**
 * TaskRunner: one per task on a node (the agent makes one for each assigned task). It
 * records what it learns as facts, asks progress.ts for the next step, runs it on the
 * task's Controller and reports every status change through `report`. Like swarmkit's
 * taskManager, but a single-threaded event loop: at most one of prepare/start/shutdown
 * is in flight; wait() and health changes arrive in the background.
 *
 * - A higher desired state arrives through update(); lower ones are ignored.
 * - Desired SHUTDOWN pre-empts a prepare/start in flight (prepare is aborted, late results
 *   are dropped) and calls shutdown(grace) with the spec's StopGracePeriod (default 10 s).
 * - Safety net: if shutdown has not finished `killAfterMs` after the grace period, the
 *   runner calls terminate() (SIGKILL) itself; a task that survives even that stays where
 *   it is (reported honestly, never invented).
 * - Temporary errors (ExecutorError.temporary) retry the step after `retryDelayMs`.
 * - dispose() releases the runner and the controller but leaves the task running (an
 *   agent restart adopts it); remove() stops the task if needed, then removes it.
 */

import type { Task, TaskStatus } from '../api/task.ts';
import { atLeast, isTerminal, stateRank, type TaskState } from '../api/task-state.ts';
import type { Clock, Timer } from '../base/clock.ts';
import type { Limiter } from '../base/limiter.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import type { Disposable, Disposer } from '../base/owner.ts';
import { errorMessage, isTemporary } from './errors.ts';
import type { Controller, ControllerDeps, Executor, ExitInfo } from './executor.ts';
import { nextStatus, nextStep, type Report, type StopReason, type TaskFacts } from './progress.ts';
import { stopGraceMs } from './spec.ts';

export type StatusListener = (taskId: string, status: TaskStatus) => void;

export interface TaskRunnerOptions {
  task: Task;
  executor: Pick<Executor, 'controller'>;
  clock: Clock;
  report: StatusListener;
  deps?: ControllerDeps;
  logger?: Logger;
  /** After the grace period, how long shutdown may still take before terminate() (default 5 s). */
  killAfterMs?: number;
  /** Delay before retrying a step that failed with a temporary error (default 1 s). */
  retryDelayMs?: number;
  /** Shared by a node's runners: how many prepare/start steps may run at once. */
  limiter?: Limiter;
}

export class TaskRunner implements Disposable {
  readonly taskId: string;
  private status: TaskStatus;
  private readonly facts: TaskFacts;
  private ctlr: Controller | undefined;
  private readonly graceMs: number;
  private readonly log: Logger;
  /** Bumped when an in-flight prepare/start is abandoned: its late result is dropped. */
  private generation = 0;
  private abort: AbortController | undefined;
  private waiting = false;
  private unwatchHealth: Disposer | undefined;
  private killTimer: Timer | undefined;
  /** A step waiting to be retried after a temporary error: steps pause until it fires. */
  private retryTimer: Timer | undefined;
  private waitRetryTimer: Timer | undefined;
  private disposed = false;
  private terminalWaiters: Array<() => void> = [];

  constructor(private readonly opts: TaskRunnerOptions) {
    const { task } = opts;
    this.taskId = task.ID;
    this.status = task.Status;
    this.graceMs = stopGraceMs(task);
    this.log = (opts.logger ?? nullLogger).child({ task: task.ID });
    this.facts = {
      state: task.Status.State,
      desired: task.DesiredState,
      prepared: false,
      started: false,
      health: 'none',
      stop: 'none',
    };
    let failure: unknown;
    try {
      this.ctlr = opts.executor.controller(task, opts.deps);
    } catch (e) {
      failure = e;
    }
    // The first reports come after the constructor returns, so the caller can file the
    // runner first; later ones come from whatever moved the task (update(), a step's end).
    queueMicrotask(() => {
      if (this.disposed) return;
      if (!this.ctlr) return this.unresolved(failure);
      // A task already RUNNING was started by an earlier runner: watch it, do not start it.
      if (atLeast(this.facts.state, 'running') && !isTerminal(this.facts.state)) this.onStarted();
      this.pump();
    });
  }

  private unresolved(e: unknown): void {
    this.log.warn({ err: errorMessage(e) }, 'resolving controller failed');
    if (!isTerminal(this.facts.state)) {
      const state: TaskState = atLeast(this.facts.state, 'starting') ? 'failed' : 'rejected';
      this.emit({ state, message: 'resolving controller failed', err: errorMessage(e) });
    }
    for (const w of this.terminalWaiters.splice(0)) w();
  }

  /** The last reported status. */
  get current(): TaskStatus {
    return this.status;
  }

  get desired(): TaskState {
    return this.facts.desired;
  }

  get controller(): Controller | undefined {
    return this.ctlr;
  }

  /** A newer version of the task from the manager: only its desired state matters here. */
  update(task: Pick<Task, 'DesiredState'>): void {
    this.setDesired(task.DesiredState);
  }

  setDesired(desired: TaskState): void {
    if (this.disposed || stateRank(desired) <= stateRank(this.facts.desired)) return;
    this.facts.desired = desired;
    // A new desired state may change the step: retry (or pre-empt) at once.
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.pump();
  }

  /** Resolves once the task has reached a terminal state, or the runner was disposed. */
  whenTerminal(): Promise<void> {
    if (isTerminal(this.status.State) || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.terminalWaiters.push(resolve));
  }

  /**
   * Stops the task if it still runs (waiting at most grace + 2 × killAfterMs), removes what
   * it left on the node, and disposes the runner.
   */
  async remove(): Promise<void> {
    const ctlr = this.ctlr;
    if (this.disposed || !ctlr) return this.dispose();
    this.setDesired('remove');
    const bound = this.graceMs + 2 * (this.opts.killAfterMs ?? 5_000);
    let timer: Timer | undefined;
    await Promise.race([
      this.whenTerminal(),
      new Promise<void>((resolve) => {
        timer = this.opts.clock.setTimeout(resolve, bound);
      }),
    ]);
    timer?.cancel();
    try {
      await ctlr.remove();
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'removing task failed');
    } finally {
      this.dispose();
    }
  }

  /** Releases the runner and its controller; the task itself keeps running. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.abort?.abort();
    this.unwatchHealth?.();
    this.killTimer?.cancel();
    this.retryTimer?.cancel();
    this.waitRetryTimer?.cancel();
    this.ctlr?.close();
    for (const w of this.terminalWaiters.splice(0)) w();
  }

  /** Runs steps until one has to wait for something. */
  private pump(): void {
    const ctlr = this.ctlr;
    while (!this.disposed && ctlr && !this.retryTimer) {
      const step = nextStep(this.facts);
      switch (step.kind) {
        case 'idle':
          return;
        case 'report':
          this.emit(step.report);
          continue;
        case 'prepare':
          this.run('prepare', (signal) => ctlr.prepare(signal));
          continue;
        case 'start':
          this.run('start', () => ctlr.start());
          continue;
        case 'shutdown':
          this.shutdown(ctlr, step.reason);
          continue;
      }
    }
  }

  private run(kind: 'prepare' | 'start', op: (signal?: AbortSignal) => Promise<void>): void {
    const gen = ++this.generation;
    // Only prepare takes a signal (an image pull is worth cancelling); signals are not free.
    const abort = kind === 'prepare' ? new AbortController() : undefined;
    this.abort = abort;
    this.facts.busy = kind;
    const limiter = this.opts.limiter;
    const step = (): Promise<void> => op(abort?.signal);
    // Waiting for a place, the step may be abandoned (shutdown): then it never runs.
    const limited = limiter
      ? () => limiter.run(() => (gen === this.generation ? step() : Promise.resolve()))
      : step;
    attempt(limited).then(
      () => {
        if (gen !== this.generation) return;
        this.abort = undefined;
        this.facts.busy = undefined;
        if (kind === 'prepare') this.facts.prepared = true;
        else this.onStarted();
        this.pump();
      },
      (e: unknown) => {
        if (gen !== this.generation) return;
        this.abort = undefined;
        this.facts.busy = undefined;
        this.failed(kind, e);
      },
    );
  }

  private shutdown(ctlr: Controller, reason: StopReason): void {
    if (this.facts.busy) {
      // Pre-empt: abandon the prepare/start in flight; shutdown() makes it settle.
      this.generation++;
      this.abort?.abort();
      this.facts.busy = undefined;
    }
    this.facts.stop = 'requested';
    if (reason === 'unhealthy') this.log.info({}, 'task unhealthy: stopping it');
    const stopped = (): void => {
      this.killTimer?.cancel();
      this.killTimer = undefined;
      if (this.facts.stop !== 'requested') return;
      this.facts.stop = 'done';
      this.pump();
    };
    this.killTimer = this.opts.clock.setTimeout(
      () => {
        this.killTimer = undefined;
        if (this.facts.stop !== 'requested' || this.disposed) return;
        this.log.warn({ graceMs: this.graceMs }, 'task did not stop after its grace period: killing it');
        attempt(() => ctlr.terminate()).then(stopped, (e: unknown) => {
          this.log.error({ err: errorMessage(e) }, 'killing task failed');
        });
      },
      this.graceMs + (this.opts.killAfterMs ?? 5_000),
    );
    attempt(() => ctlr.shutdown(this.graceMs)).then(stopped, (e: unknown) => {
      if (this.facts.stop !== 'requested') return;
      this.killTimer?.cancel();
      this.killTimer = undefined;
      this.facts.stop = 'none';
      this.failed('shutdown', e);
    });
  }

  /** The process is (or may be) alive: wait for its exit and watch its health. */
  private onStarted(): void {
    const ctlr = this.ctlr;
    if (!ctlr || this.waiting) return;
    this.facts.started = true;
    this.waiting = true;
    this.facts.health = ctlr.health();
    // 'none' once started means no health check: nothing to watch (and nothing to pay).
    if (this.facts.health !== 'none') this.watchHealth(ctlr);
    this.awaitExit(ctlr);
  }

  private watchHealth(ctlr: Controller): void {
    this.unwatchHealth = ctlr.onHealthChange((h) => {
      // Once the runner has decided a task is unhealthy, that decision stands.
      if (this.facts.health === 'unhealthy' && this.facts.stop !== 'none') return;
      this.facts.health = h;
      this.pump();
    });
  }

  private awaitExit(ctlr: Controller): void {
    attempt(() => ctlr.wait()).then(
      (exit: ExitInfo) => {
        if (this.disposed) return;
        if (exit.oomKilled) this.log.warn({ exitCode: exit.exitCode }, 'task was OOM killed');
        this.facts.exit = exit;
        this.pump();
      },
      (e: unknown) => {
        if (this.disposed) return;
        if (isTemporary(e)) {
          this.waitRetryTimer = this.opts.clock.setTimeout(() => {
            this.waitRetryTimer = undefined;
            this.awaitExit(ctlr);
          }, this.opts.retryDelayMs ?? 1_000);
          return;
        }
        this.failed('wait', e);
      },
    );
  }

  private failed(step: string, e: unknown): void {
    if (this.disposed) return;
    if (isTemporary(e)) {
      this.log.warn({ step, err: errorMessage(e) }, 'temporary error: retrying');
      this.retryTimer ??= this.opts.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, this.opts.retryDelayMs ?? 1_000);
      return;
    }
    this.log.error({ step, err: errorMessage(e) }, 'task step failed');
    if (this.facts.error === undefined) this.facts.error = errorMessage(e);
    this.pump();
  }

  private emit(r: Report): void {
    const cs = this.ctlr?.containerStatus();
    const ts = new Date(this.opts.clock.wallNow()).toISOString();
    this.status = nextStatus(this.status, r, ts, cs && Object.keys(cs).length > 0 ? cs : undefined);
    if (r.state === 'running') {
      // Where the task answers, once it runs: host-mode ports (Docker's PortStatus) and, for
      // the routing mesh, every target port's address on this node.
      const ports = this.ctlr?.portStatus?.() ?? [];
      if (ports.length > 0) this.status.PortStatus = { Ports: ports };
      const endpoints = this.ctlr?.meshEndpoints?.() ?? [];
      if (endpoints.length > 0) this.status.MeshEndpoints = endpoints;
    }
    this.facts.state = r.state;
    this.log.debug({ state: r.state, err: r.err }, 'task state changed');
    this.opts.report(this.taskId, this.status);
    if (isTerminal(r.state)) {
      for (const t of [this.killTimer, this.retryTimer, this.waitRetryTimer]) t?.cancel();
      this.killTimer = this.retryTimer = this.waitRetryTimer = undefined;
      this.unwatchHealth?.();
      this.unwatchHealth = undefined;
      for (const w of this.terminalWaiters.splice(0)) w();
    }
  }
}

/** Runs `fn`, turning a synchronous throw into a rejection. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(e);
  }
}
