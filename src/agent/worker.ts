/**
 * Worker: the tasks of one node, one TaskRunner each, kept equal to the assignments.
 *
 *   COMPLETE set     every task in it is started or updated; every task the node runs
 *                    that is not in it is shut down and removed
 *   INCREMENTAL      updates start or update tasks; removals shut down and remove them
 *   update of a task only raises its desired state (TaskRunner ignores lower ones)
 *
 * Secrets and configs are kept for the controllers (ControllerDeps), updated before the
 * tasks of a message and removed after them.
 *
 * Adoption after an agent restart: the executor lists what is still on the node; a task
 * of the first COMPLETE set gets a runner whose controller picks up the existing container
 * (controllers are idempotent: nothing is started twice); a listed task that is not in
 * the set is no longer this node's (it may run elsewhere now) and is stopped and removed.
 * A terminal task with nothing on the node gets no runner: there is nothing to drive.
 */

import type { DeepReadonly } from '../api/meta.ts';
import type { Config, Secret } from '../api/secret.ts';
import type { Task } from '../api/task.ts';
import { isTerminal, stateRank, TASK_STATES } from '../api/task-state.ts';
import type { Clock } from '../base/clock.ts';
import { Limiter } from '../base/limiter.ts';
import type { Logger } from '../base/logger.ts';
import { errorMessage } from '../executor/errors.ts';
import type { ControllerDeps, Executor, ExistingTask } from '../executor/executor.ts';
import { DEFAULT_STOP_GRACE_MS } from '../executor/spec.ts';
import { type StatusListener, TaskRunner } from '../executor/task-runner.ts';
import type { Assignments, TaskStatusUpdate } from '../manager/dispatcher/protocol.ts';

export interface WorkerOptions {
  executor: Executor;
  clock: Clock;
  logger: Logger;
  report: StatusListener;
  killAfterMs?: number;
  /** How many tasks may be preparing or starting at once on this node (default 16). */
  maxConcurrentSteps?: number;
}

/** Tasks prepare and start in parallel, up to this many at once per node. */
export const DEFAULT_CONCURRENT_STEPS = 16;

export class Worker {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly removing = new Map<string, Promise<void>>();
  private readonly finished = new Set<string>();
  private readonly secrets = new Map<string, DeepReadonly<Secret>>();
  private readonly configs = new Map<string, DeepReadonly<Config>>();
  /** What the executor listed at start, until the first COMPLETE set settles it. */
  private existing: Map<string, ExistingTask> | undefined;
  private readonly deps: ControllerDeps;
  private readonly limiter: Limiter;
  readonly stats = { started: 0, removed: 0, orphans: 0 };

  constructor(private readonly opts: WorkerOptions) {
    this.limiter = new Limiter(opts.maxConcurrentSteps ?? DEFAULT_CONCURRENT_STEPS);
    this.deps = {
      logger: opts.logger,
      // Controllers only read them: the shared (readonly) objects are handed over as is.
      secret: (id) => this.secrets.get(id) as Secret | undefined,
      config: (id) => this.configs.get(id) as Config | undefined,
    };
  }

  /** Tasks with a runner. */
  get size(): number {
    return this.runners.size;
  }

  runner(taskId: string): TaskRunner | undefined {
    return this.runners.get(taskId);
  }

  secret(id: string): DeepReadonly<Secret> | undefined {
    return this.secrets.get(id);
  }

  /** Removals still in flight. */
  get removals(): number {
    return this.removing.size;
  }

  /** What was found on the node at start (agent restart). */
  adopt(existing: readonly ExistingTask[]): void {
    this.existing = new Map(existing.map((e) => [e.taskId, e]));
  }

  apply(m: Assignments): void {
    const complete = m.type === 'complete';
    if (complete) {
      this.secrets.clear();
      this.configs.clear();
    }
    for (const s of m.secrets.update) this.secrets.set(s.ID, s);
    for (const c of m.configs.update) this.configs.set(c.ID, c);
    for (const t of m.tasks.update) this.upsert(t);
    if (complete) {
      const keep = new Set(m.tasks.update.map((t) => t.ID));
      for (const id of [...this.runners.keys()]) if (!keep.has(id)) this.remove(id);
      for (const id of [...this.finished]) if (!keep.has(id)) this.finished.delete(id);
      for (const e of this.existing?.values() ?? []) {
        if (!keep.has(e.taskId) && !this.runners.has(e.taskId)) this.removeOrphan(e.taskId);
      }
      this.existing = undefined;
    } else {
      for (const id of m.tasks.remove) this.remove(id);
    }
    for (const id of m.secrets.remove) this.secrets.delete(id);
    for (const id of m.configs.remove) this.configs.delete(id);
  }

  /** Every task's current status past ASSIGNED (re-reported on each new session). */
  statuses(): TaskStatusUpdate[] {
    const out: TaskStatusUpdate[] = [];
    for (const [taskId, r] of this.runners) {
      if (stateRank(r.current.State) > TASK_STATES.assigned) out.push({ taskId, status: r.current });
    }
    return out;
  }

  /** Resolves once the removals in flight are done. */
  async settled(): Promise<void> {
    while (this.removing.size > 0) await Promise.all([...this.removing.values()]);
  }

  /** Releases every runner; the tasks themselves keep running (an agent restart adopts them). */
  dispose(): void {
    for (const r of this.runners.values()) r.dispose();
    this.runners.clear();
    this.finished.clear();
  }

  private upsert(t: DeepReadonly<Task>): void {
    const r = this.runners.get(t.ID);
    if (r) {
      r.update(t);
      return;
    }
    if (this.removing.has(t.ID) || this.finished.has(t.ID)) return;
    if (isTerminal(t.Status.State) && !this.existing?.has(t.ID)) {
      this.finished.add(t.ID);
      return;
    }
    this.stats.started++;
    this.runners.set(
      t.ID,
      new TaskRunner({
        // The runner only reads the task; the message's (readonly) object is shared.
        task: t as Task,
        executor: this.opts.executor,
        clock: this.opts.clock,
        report: this.opts.report,
        deps: this.deps,
        logger: this.opts.logger,
        ...(this.opts.killAfterMs !== undefined ? { killAfterMs: this.opts.killAfterMs } : {}),
        limiter: this.limiter,
      }),
    );
  }

  private remove(taskId: string): void {
    this.finished.delete(taskId);
    const r = this.runners.get(taskId);
    if (!r) return;
    this.runners.delete(taskId);
    this.stats.removed++;
    this.track(taskId, r.remove());
  }

  /** A task left on the node that is not this node's any more: stop it, remove it. */
  private removeOrphan(taskId: string): void {
    let ctlr: ReturnType<Executor['controller']>;
    try {
      ctlr = this.opts.executor.controller(orphan(taskId));
    } catch (e) {
      this.opts.logger.warn({ task: taskId, err: errorMessage(e) }, 'cannot resolve an orphaned task');
      return;
    }
    this.stats.orphans++;
    this.opts.logger.info({ task: taskId }, 'removing a task no longer assigned to this node');
    this.track(
      taskId,
      ctlr
        .shutdown(DEFAULT_STOP_GRACE_MS)
        .then(() => ctlr.remove())
        .finally(() => ctlr.close()),
    );
  }

  private track(taskId: string, p: Promise<void>): void {
    const done = p
      .catch((e: unknown) => this.opts.logger.warn({ task: taskId, err: errorMessage(e) }, 'removal failed'))
      .finally(() => {
        if (this.removing.get(taskId) === done) this.removing.delete(taskId);
      });
    this.removing.set(taskId, done);
  }
}

/**
 * The task an executor needs to resolve a controller for something it listed: the id is
 * what finds the container (executors look an existing task up by id first).
 */
function orphan(taskId: string): Task {
  return {
    ID: taskId,
    Version: { Index: 0 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: '',
    Spec: { ContainerSpec: { Image: 'orphan' } },
    Status: { Timestamp: '', State: 'orphaned' },
    DesiredState: 'remove',
  };
}
