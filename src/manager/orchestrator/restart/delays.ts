/**
 * Delayed starts (swarmkit's DelayStart): a replacement task is created with desired state
 * READY, so its agent prepares it but does not start it, and is promoted to RUNNING
 * (COMPLETE for job tasks) once
 *   1. its delay has passed (the restart delay; 0 for rolling updates), and
 *   2. the task it replaces has stopped: observed past RUNNING, deleted, never assigned,
 *      or its node down or gone; or `oldTaskTimeoutMs` (1 minute) has passed, whichever
 *      comes first.
 *
 *   holding(write) ── write's transactions: hold(id) ──(that write settled)──► task exists?
 *        yes ──► delay timer ──► old stopped? yes ──► promote ◄── event / timeout
 *        no (its transaction failed) ──► dropped
 * A start is held until the write creating its task has applied (swarmkit's DelayStart runs
 * inside the store's write lock; our writes are pipelined, so a promotion must not overtake
 * the creation). Each write activates only the starts its own transactions held: writes of
 * the orchestrator's batch and of the supervisor's own restarts run concurrently, and one
 * settling early must not judge (and drop) another's task that has not landed yet.
 * Promotions that come due together are written in one batch. Timers run on the injected
 * clock; waiting for the old task listens to the store. Nothing survives stop().
 */
import type { Clock, Timer } from '../../../base/clock.ts';
import type { Logger } from '../../../base/logger.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { WriteTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { logBatch } from '../loop.ts';
import { hasTerminated, rank, type STask } from '../task.ts';

const MAX_ATTEMPTS = 10;

export interface DelayHandle {
  /** Resolves once the task was promoted (or the delayed start was cancelled). */
  readonly done: Promise<void>;
}

interface Delayed {
  taskId: string;
  oldId: string | undefined;
  oldNode: string | undefined;
  /** clock.now() at which the delay ends. */
  deadline: number;
  timer?: Timer;
  stopTimer?: Timer;
  finished: boolean;
  restartAfter: boolean;
  /** Promotion writes lost to a concurrent write so far. */
  attempts: number;
  resolve: () => void;
  done: Promise<void>;
}

/** Moves a READY task on to RUNNING (COMPLETE for a job task). Writes nothing otherwise. */
export function startNow(tx: WriteTx, taskId: string): void {
  const t = tx.tasks.get(taskId);
  if (!t || rank(t.DesiredState) >= rank('running')) return;
  tx.tasks.update(t, { DesiredState: t.JobIteration ? 'complete' : 'running' });
}

export class DelayedStarts {
  /** Held starts (their task's write not yet settled), by task id. */
  private readonly pending = new Map<string, Delayed>();
  /** The starts held by the write whose transactions run now (holding()). */
  private scope: Delayed[] | undefined;
  private readonly active = new Map<string, Delayed>();
  private readonly byOldTask = new Map<string, Set<Delayed>>();
  private readonly byOldNode = new Map<string, Set<Delayed>>();
  private due: Delayed[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: MemoryStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly oldTaskTimeoutMs: number,
    /** Called after a promotion was written for a task marked restartAfter. */
    private readonly onRestartAfter: (taskId: string) => void,
  ) {}

  get size(): number {
    return this.pending.size + this.active.size;
  }

  has(taskId: string): boolean {
    return this.pending.has(taskId) || this.active.has(taskId);
  }

  /** The task failed while its own start is still delayed: restart it once promoted. */
  markRestartAfter(taskId: string): boolean {
    const d = this.pending.get(taskId) ?? this.active.get(taskId);
    if (d) d.restartAfter = true;
    return d !== undefined;
  }

  /**
   * Runs `write`, a store write (store.update or store.batch: they run their transactions
   * at once, so hold() calls happen inside this call); once it has settled, starts the
   * starts held by its transactions whose task exists, and drops the others (their
   * transaction failed). Starts held by other writes still in flight are left alone.
   */
  async holding<T>(write: () => Promise<T>): Promise<T> {
    const outer = this.scope;
    const held: Delayed[] = [];
    this.scope = held;
    let p: Promise<T>;
    try {
      p = write();
    } catch (e) {
      this.activateHeld(held);
      throw e;
    } finally {
      this.scope = outer;
    }
    try {
      return await p;
    } finally {
      this.activateHeld(held);
    }
  }

  /** A start for a task being created by the write holding() runs now. */
  hold(taskId: string, old: STask | undefined, delayMs: number): void {
    const scope = this.scope;
    if (!scope) throw new Error('restart: a delayed start held outside a write (use holding())');
    this.cancel(taskId);
    const d = this.make(taskId, old, delayMs);
    this.pending.set(taskId, d);
    scope.push(d);
  }

  /** After a write settled: starts its held starts whose task exists, drops the others. */
  private activateHeld(held: Delayed[]): void {
    const mine = held.filter((d) => this.pending.get(d.taskId) === d);
    if (mine.length === 0) return;
    for (const d of mine) this.pending.delete(d.taskId);
    const exists = this.store.view((tx) => mine.map((d) => tx.tasks.has(d.taskId)));
    mine.forEach((d, i) => {
      if (exists[i]) this.activate(d);
      else this.finish(d);
    });
  }

  /** A start for a task that exists now. Replaces any delayed start of the same task. */
  schedule(taskId: string, old: STask | undefined, delayMs: number): DelayHandle {
    this.cancel(taskId);
    const d = this.make(taskId, old, delayMs);
    this.activate(d);
    return { done: d.done };
  }

  cancel(taskId: string): void {
    const d = this.pending.get(taskId) ?? this.active.get(taskId);
    if (!d) return;
    this.pending.delete(taskId);
    this.finish(d);
  }

  onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'tasks') {
        if (e.kind === 'delete') {
          this.release(this.byOldTask, e.object.ID);
          this.cancel(e.object.ID);
        } else if (e.kind === 'update' && hasTerminated(e.object)) this.release(this.byOldTask, e.object.ID);
      } else if (e.table === 'nodes') {
        if (e.kind === 'delete' || e.object.Status.State === 'down')
          this.release(this.byOldNode, e.object.ID);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const d of [...this.pending.values(), ...this.active.values()]) this.finish(d);
    this.pending.clear();
    this.due = [];
    await Promise.all([...this.inflight]);
  }

  private make(taskId: string, old: STask | undefined, delayMs: number): Delayed {
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const waitOld = old !== undefined && !hasTerminated(old);
    return {
      taskId,
      oldId: waitOld ? old.ID : undefined,
      oldNode: undefined,
      deadline: this.clock.now() + Math.max(0, delayMs),
      finished: false,
      restartAfter: false,
      attempts: 0,
      resolve,
      done,
    };
  }

  private activate(d: Delayed): void {
    if (this.stopped) {
      this.finish(d);
      return;
    }
    this.active.set(d.taskId, d);
    const wait = d.deadline - this.clock.now();
    if (wait > 0) d.timer = this.clock.setTimeout(() => this.afterDelay(d), wait);
    else this.afterDelay(d);
  }

  private afterDelay(d: Delayed): void {
    d.timer = undefined;
    if (d.finished) return;
    const oldId = d.oldId;
    if (oldId === undefined) {
      this.promote(d);
      return;
    }
    const node = this.store.view((tx) => {
      const o = tx.tasks.get(oldId);
      // gone, stopped, or never assigned (told to stop before it got a node: it never ran)
      if (!o || hasTerminated(o) || rank(o.Status.State) < rank('assigned')) return null;
      if (!o.NodeID) return '';
      const n = tx.nodes.get(o.NodeID);
      return !n || n.Status.State === 'down' ? null : o.NodeID;
    });
    if (node === null) {
      this.promote(d);
      return;
    }
    index(this.byOldTask, oldId, d);
    if (node) {
      d.oldNode = node;
      index(this.byOldNode, node, d);
    }
    d.stopTimer = this.clock.setTimeout(() => this.promote(d), this.oldTaskTimeoutMs);
  }

  private release(idx: Map<string, Set<Delayed>>, key: string): void {
    const set = idx.get(key);
    if (set) for (const d of [...set]) this.promote(d);
  }

  private unindex(d: Delayed): void {
    if (d.oldId !== undefined) unindex(this.byOldTask, d.oldId, d);
    if (d.oldNode !== undefined) unindex(this.byOldNode, d.oldNode, d);
    d.timer?.cancel();
    d.stopTimer?.cancel();
    d.timer = d.stopTimer = undefined;
  }

  private promote(d: Delayed): void {
    if (d.finished || this.stopped) return;
    this.unindex(d);
    if (this.due.push(d) > 1) return;
    queueMicrotask(() => this.writeDue());
  }

  private writeDue(): void {
    const due = this.due;
    this.due = [];
    if (due.length === 0 || this.stopped) return;
    const retry = new Set<Delayed>();
    const p = this.store
      .batch((b) => {
        for (const d of due) b.update((tx) => startNow(tx, d.taskId));
      })
      .then(
        (r) => {
          // Someone else wrote the task meanwhile (its status, usually): read it again.
          for (const f of r.failed) {
            const d = due[f.tx];
            if (d && f.error.code === 'conflict' && d.attempts++ < MAX_ATTEMPTS) retry.add(d);
          }
          logBatch(this.log, 'restart: delayed start', {
            ...r,
            failed: r.failed.filter((f) => !retry.has(due[f.tx] as Delayed)),
          });
        },
        (e: unknown) => this.log.error({ err: String(e) }, 'restart: delayed start failed'),
      )
      .finally(() => {
        this.inflight.delete(p);
        for (const d of due) {
          if (retry.has(d) && !this.stopped) {
            if (this.due.push(d) === 1) queueMicrotask(() => this.writeDue());
            continue;
          }
          const again = d.restartAfter && !d.finished && !this.stopped;
          this.finish(d);
          if (again) this.onRestartAfter(d.taskId);
        }
      });
    this.inflight.add(p);
  }

  private finish(d: Delayed): void {
    if (d.finished) return;
    d.finished = true;
    this.unindex(d);
    if (this.active.get(d.taskId) === d) this.active.delete(d.taskId);
    d.resolve();
  }
}

function index(idx: Map<string, Set<Delayed>>, key: string, d: Delayed): void {
  const s = idx.get(key);
  if (s) s.add(d);
  else idx.set(key, new Set([d]));
}

function unindex(idx: Map<string, Set<Delayed>>, key: string, d: Delayed): void {
  const s = idx.get(key);
  if (!s) return;
  s.delete(d);
  if (s.size === 0) idx.delete(key);
}
