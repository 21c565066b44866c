/**
 * One rolling update of one service to one spec (swarmkit's Updater), as an event-driven
 * task on the injected clock:
 *
 *   dirty slots (task spec differs) ──► `parallelism` workers, each, slot after slot:
 *     stop-first:  new task (desired READY) + old tasks desired SHUTDOWN, one transaction;
 *                  the restart supervisor promotes the new one once the old one stopped
 *     start-first: new task (desired READY), promoted at once; once it RUNS, old ones shut down
 *     then wait for the new task to reach RUNNING (or fail), then `delay`
 *   after the last slot: watch `monitor` more, then "update completed"
 *
 * A task this update created that stops within `monitor` of running (or before running)
 * is a failure; once failures / dirty slots > MaxFailureRatio the FailureAction applies:
 * pause, rollback (status + spec swap), or continue. cancel() (a newer spec, stop()) halts
 * the workers; writes already made stand, and delayed starts go on in the restart supervisor.
 */
import { isGlobal } from '../../../api/service.ts';
import type { Timer } from '../../../base/clock.ts';
import { ShoalError } from '../../../base/errors.ts';
import type { ReadTx, WriteTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import {
  isoNow,
  isTaskDirty,
  newestTask,
  newTask,
  rank,
  type SCluster,
  type Slot,
  type SService,
  type STask,
} from '../task.ts';
import { finalMonitorMs, type ResolvedUpdateConfig, resolveUpdateConfig } from './config.ts';
import type { UpdaterContext } from './context.ts';
import { completedStatus, MESSAGES, pausedStatus, rollbackChanges, startedStatus } from './status.ts';

const MAX_TRIES = 5;

interface Waiter {
  pred: (t: STask) => boolean;
  resolve: (t: STask | undefined) => void;
}

export class Updater {
  readonly done: Promise<void>;
  private halted = false;
  private readonly queue: Slot[] = [];
  private total = 0;
  private cfg!: ResolvedUpdateConfig;
  private rollback = false;
  /** Tasks this update created -> clock.now() when seen running (null: not yet). */
  private readonly created = new Map<string, number | null>();
  private readonly failed = new Set<string>();
  private failures = 0;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly sleeps = new Set<{ timer: Timer; resolve: () => void }>();
  private readonly writes = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: UpdaterContext,
    private readonly cluster: SCluster | undefined,
    readonly service: SService,
    slots: readonly Slot[],
    /** The service's UpdateStatus describes an older spec (see status.ts). */
    private readonly stale: 'update' | 'rollback' | undefined,
    /** The update this one replaces: it starts once that one has stopped (its writes landed). */
    after?: Promise<void>,
  ) {
    this.done = (after ?? Promise.resolve())
      .then(() => this.run(slots))
      .catch((e: unknown) => ctx.log.error({ service: service.ID, err: String(e) }, 'update failed'));
  }

  cancel(): void {
    this.halt();
  }

  /** False once it halted (cancelled, paused, rolled back, completing): it will do no more. */
  get active(): boolean {
    return !this.halted;
  }

  onTaskEvent(e: StoreEvent): void {
    if (e.table !== 'tasks') return;
    const t = e.object;
    const ws = this.waiters.get(t.ID);
    if (ws) {
      for (const w of [...ws])
        if (e.kind === 'delete' || w.pred(t)) this.settleWaiter(t.ID, w, e.kind === 'delete' ? undefined : t);
    }
    if (
      e.kind === 'update' &&
      rank(t.Status.State) > rank('running') &&
      e.old &&
      rank(e.old.Status.State) <= rank('running')
    )
      this.onStopped(t);
  }

  private async run(slots: readonly Slot[]): Promise<void> {
    if (this.halted) return;
    const svc = this.service;
    // The status as it is now: the update this one follows may have paused meanwhile.
    const now = this.ctx.store.view((tx) => tx.services.get(svc.ID));
    if (!now || !this.ctx.sameSpec(now, svc)) return; // a newer spec has its own update
    const state = this.stale ? undefined : now.UpdateStatus?.State;
    this.rollback = this.stale === 'rollback' || state === 'rollback_started';
    if (state === 'paused' || state === 'rollback_paused') {
      await this.settleCrowded(slots);
      return;
    }
    const dirty = this.ctx.store.view((tx) =>
      slots.filter((slot) => slot.length > 1 || (slot.length === 1 && this.isDirty(slot[0] as STask, tx))),
    );
    if (dirty.length === 0) {
      if (this.stale === 'rollback')
        await this.writeStatus(() => ({
          UpdateStatus: completedStatus(startedStatus(true, this.now()), this.now()),
        }));
      else if (state === 'updating' || state === 'rollback_started') await this.complete();
      if (!this.halted) this.ctx.clearStale(svc.ID);
      return;
    }
    if (state === undefined) {
      const ok = await this.writeStatus(() => ({ UpdateStatus: startedStatus(this.rollback, this.now()) }));
      if (ok) this.ctx.clearStale(svc.ID);
    }
    this.cfg = resolveUpdateConfig(svc, this.rollback);
    this.total = dirty.length;
    this.queue.push(...dirty);
    const workers = Math.min(this.cfg.parallelism === 0 ? dirty.length : this.cfg.parallelism, dirty.length);
    await Promise.all(Array.from({ length: workers }, () => this.worker()));
    if (!this.halted) await this.sleep(finalMonitorMs(this.cfg));
    if (!this.halted) {
      this.halted = true; // from here on, a task stopping is no longer this update's business
      await this.complete();
    }
    await Promise.all([...this.writes]);
  }

  /**
   * A paused update goes no further, but a slot it left holding several wanted tasks (a
   * start-first step in flight when it paused, here or under a previous leader) must not
   * stay so: one task is kept (of the new spec if there is one, else the one running,
   * else the newest) and the others shut down, in the update's order. Nothing is created.
   */
  private async settleCrowded(slots: readonly Slot[]): Promise<void> {
    const crowded = slots.filter((slot) => slot.length > 1);
    if (crowded.length === 0) return;
    this.cfg = resolveUpdateConfig(this.service, this.rollback);
    await Promise.all(
      crowded.map(async (slot) => {
        for (let i = 0; i < MAX_TRIES && !this.halted; i++) {
          const { current, keep } = this.ctx.store.view((tx) => {
            const cur = this.slotNow(tx, slot);
            const wanted = cur.filter((t) => rank(t.DesiredState) <= rank('running'));
            return { current: cur, keep: wanted.length > 1 ? this.taskToKeep(tx, wanted) : undefined };
          });
          if (!keep || (await this.useExisting(current, keep))) return;
        }
      }),
    );
  }

  /** Of a slot's wanted tasks, the one to keep: the new spec's, else a running one, else the newest. */
  private taskToKeep(tx: ReadTx, wanted: STask[]): STask {
    const fresh = wanted.filter((t) => !this.isDirty(t, tx));
    const pick = (ts: STask[]): STask | undefined =>
      ts.find((t) => t.DesiredState === 'running') ?? ts.find((t) => rank(t.DesiredState) < rank('running'));
    const running = wanted.filter((t) => t.Status.State === 'running');
    return pick(fresh) ?? newestTask(running) ?? (newestTask(wanted) as STask);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const slot = this.halted ? undefined : this.queue.shift();
      if (!slot) return;
      await this.updateSlot(slot);
      if (this.halted) return;
      if (this.cfg.delayMs > 0) await this.sleep(this.cfg.delayMs);
    }
  }

  private isDirty(t: STask, tx: ReadTx): boolean {
    return isTaskDirty(this.service, t, t.NodeID ? tx.nodes.get(t.NodeID) : undefined);
  }

  /** Brings one slot to the new spec; looks again (a few times) if it changed meanwhile. */
  private async updateSlot(slot: Slot): Promise<void> {
    for (let i = 0; i < MAX_TRIES && !this.halted; i++) {
      const { current, clean } = this.ctx.store.view((tx) => {
        const cur = this.slotNow(tx, slot);
        const fresh = cur.filter((t) => !this.isDirty(t, tx));
        return {
          current: cur,
          clean:
            fresh.find((t) => t.DesiredState === 'running') ??
            fresh.find((t) => rank(t.DesiredState) < rank('running')),
        };
      });
      if (current.length === 0) return;
      const done = clean ? await this.useExisting(current, clean) : await this.replace(current);
      if (done) return;
    }
  }

  /** The slot as it is now: what it held when reconciled, and any task wanted there since. */
  private slotNow(tx: ReadTx, slot: Slot): STask[] {
    const first = slot[0] as STask;
    const now = first.Slot
      ? tx.tasks.bySlot(first.ServiceID, first.Slot)
      : tx.tasks.byServiceNode(first.ServiceID, first.NodeID ?? '');
    const ids = new Set(slot.map((t) => t.ID));
    for (const t of now) if (rank(t.DesiredState) <= rank('running')) ids.add(t.ID);
    return [...ids].map((id) => tx.tasks.get(id)).filter((t): t is STask => t !== undefined);
  }

  /**
   * Inside a write: throws if the slot is no longer what the decision was based on (a
   * restart or another writer got there first), so the write is dropped and the slot
   * looked at again, instead of adding a task next to someone else's replacement.
   */
  private checkSlot(tx: ReadTx, seen: Slot): void {
    const now = this.slotNow(tx, seen);
    const same =
      now.length === seen.length &&
      seen.every((t) => now.some((n) => n.ID === t.ID && n.DesiredState === t.DesiredState));
    if (!same) throw new ShoalError('failed_precondition', 'update: the slot changed');
  }

  /**
   * A task of the new spec is already there: keep it, shut the others down. Start-first,
   * the others stop only once it runs (a task that fails instead is the restart
   * supervisor's, which does not replace it while the others hold the slot).
   */
  private async useExisting(slot: Slot, keep: STask): Promise<boolean> {
    const others = slot.filter((t) => t.ID !== keep.ID);
    const waiting = others.some((t) => rank(t.DesiredState) <= rank('running'));
    if (this.cfg.order === 'start-first' && waiting && keep.Status.State !== 'running') {
      if (keep.DesiredState !== 'running')
        await this.until(this.ctx.restarts.delayStart(undefined, keep.ID, 0).done);
      const up = await this.waitFor(keep.ID, (x) => rank(x.Status.State) >= rank('running'));
      if (up?.Status.State !== 'running' || rank(up.DesiredState) > rank('running')) return true;
      return false; // look at the slot again, now that it runs
    }
    let old: STask | undefined;
    if (others.length > 0) {
      const r = await this.write((tx) => {
        this.checkSlot(tx, slot);
        old = this.shutdown(tx, others);
      });
      if (r !== 'ok') return r === 'gone';
    }
    if (keep.DesiredState !== 'running') await this.until(this.ctx.restarts.delayStart(old, keep.ID, 0).done);
    return true;
  }

  /** Replaces the slot's tasks with one of the new spec (stop-first or start-first). */
  private async replace(slot: Slot): Promise<boolean> {
    const first = slot[0] as STask;
    const where = isGlobal(this.service.Spec) ? first.NodeID : first.Slot;
    if (!where) return true;
    const startFirst = this.cfg.order === 'start-first';
    const t = newTask(this.cluster, this.service, where, this.ctx.clock, this.ctx.rng, {
      desiredState: 'ready',
    });
    this.created.set(t.ID, null);
    let old: STask | undefined;
    const r = await this.write((tx) => {
      if (!tx.services.get(this.service.ID)) throw new ShoalError('not_found', 'service was deleted');
      this.checkSlot(tx, slot);
      tx.tasks.create(t);
      if (!startFirst) old = this.shutdown(tx, slot);
    });
    if (r !== 'ok') {
      this.created.delete(t.ID);
      return r === 'gone';
    }
    await this.until(this.ctx.restarts.delayStart(startFirst ? undefined : old, t.ID, 0).done);
    if (this.halted) return true;
    const up = await this.waitFor(t.ID, (x) => rank(x.Status.State) >= rank('running'));
    if (!up) return true;
    this.created.set(t.ID, this.ctx.clock.now());
    if (startFirst && up.Status.State === 'running') await this.write((tx) => this.shutdown(tx, slot));
    return true;
  }

  /** Shuts down the slot's tasks still wanted; returns one of them. */
  private shutdown(tx: WriteTx, slot: Slot): STask | undefined {
    let last: STask | undefined;
    for (const o of slot) {
      const cur = tx.tasks.get(o.ID);
      if (!cur || rank(cur.DesiredState) > rank('running')) continue;
      tx.tasks.update(cur, { DesiredState: 'shutdown' });
      last = cur;
    }
    return last;
  }

  /**
   * One transaction, retried when a concurrent write got there first: 'ok', 'changed'
   * (the slot moved on: decide again), or 'gone' (nothing more to do for this slot).
   */
  private async write(fn: (tx: WriteTx) => void): Promise<'ok' | 'changed' | 'gone'> {
    for (let i = 0; i < MAX_TRIES; i++) {
      const r = await this.ctx.store.batch((b) => b.update(fn));
      const f = r.failed[0];
      if (!f) return 'ok';
      if (f.error.code === 'failed_precondition') return 'changed';
      if (f.error.code !== 'conflict') {
        this.ctx.log.debug({ service: this.service.ID, err: f.error.message }, 'update: slot skipped');
        return 'gone';
      }
    }
    return 'changed';
  }

  private onStopped(t: STask): void {
    if (this.failed.has(t.ID) || !this.created.has(t.ID) || this.halted || !this.cfg) return;
    const ranAt = this.created.get(t.ID);
    if (ranAt != null && this.ctx.clock.now() - ranAt > this.cfg.monitorMs) return;
    this.failed.add(t.ID);
    this.failures++;
    if (this.failures / this.total <= this.cfg.maxFailureRatio) return;
    if (this.cfg.failureAction === 'continue') return;
    this.halt();
    this.track(this.writeStatus((s) => this.failureChanges(s, t.ID)));
  }

  /** What the failure action writes: paused, or the automatic rollback (never a rollback's rollback). */
  private failureChanges(s: SService, taskId: string): Partial<SService> {
    if (this.cfg.failureAction === 'pause')
      return { UpdateStatus: pausedStatus(s.UpdateStatus, MESSAGES.paused(taskId)) };
    if (this.rollback) return { UpdateStatus: pausedStatus(s.UpdateStatus, MESSAGES.rollbackPaused(taskId)) };
    const changes = rollbackChanges(s, MESSAGES.rolledBack(taskId));
    if (changes) return changes;
    this.ctx.log.error({ service: s.ID }, MESSAGES.noPreviousSpec);
    return { UpdateStatus: pausedStatus(s.UpdateStatus, MESSAGES.paused(taskId)) };
  }

  private complete(): Promise<boolean> {
    return this.writeStatus((s) => ({ UpdateStatus: completedStatus(s.UpdateStatus, this.now()) }));
  }

  /** Writes the service if its spec is still the one this update works towards. */
  private async writeStatus(change: (s: SService) => Partial<SService>): Promise<boolean> {
    for (let i = 0; i < MAX_TRIES; i++) {
      try {
        const wrote = await this.ctx.store.update((tx) => {
          const s = tx.services.get(this.service.ID);
          if (!s || !this.ctx.sameSpec(s, this.service)) return false;
          tx.services.update(s, change(s));
          return true;
        });
        return wrote;
      } catch (e) {
        if (!(e instanceof ShoalError) || e.code !== 'conflict') throw e;
      }
    }
    return false;
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) =>
      this.ctx.log.warn({ service: this.service.ID, err: String(e) }, 'update status'),
    );
    this.writes.add(q);
    void q.finally(() => this.writes.delete(q));
  }

  private now(): string {
    return isoNow(this.ctx.clock);
  }

  private halt(): void {
    this.halted = true;
    for (const s of [...this.sleeps]) {
      s.timer.cancel();
      s.resolve();
    }
    this.sleeps.clear();
    for (const [id, ws] of [...this.waiters]) for (const w of [...ws]) this.settleWaiter(id, w, undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.halted) return Promise.resolve();
    return new Promise((resolve) => {
      const s = {
        timer: this.ctx.clock.setTimeout(() => {
          this.sleeps.delete(s);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(s);
    });
  }

  /** Awaits `p`, or less if the update halts. */
  private until(p: Promise<void>): Promise<void> {
    if (this.halted) return Promise.resolve();
    return new Promise((resolve) => {
      const s = { timer: { cancel() {} }, resolve };
      this.sleeps.add(s);
      void p.then(() => {
        this.sleeps.delete(s);
        resolve();
      });
    });
  }

  /** The task once `pred` holds; undefined if it is deleted or the update halts. */
  private waitFor(id: string, pred: (t: STask) => boolean): Promise<STask | undefined> {
    const now = this.ctx.store.view((tx) => tx.tasks.get(id));
    if (!now || this.halted) return Promise.resolve(undefined);
    if (pred(now)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const w: Waiter = { pred, resolve };
      const ws = this.waiters.get(id);
      if (ws) ws.push(w);
      else this.waiters.set(id, [w]);
    });
  }

  private settleWaiter(id: string, w: Waiter, t: STask | undefined): void {
    const ws = this.waiters.get(id);
    if (!ws) return;
    const i = ws.indexOf(w);
    if (i >= 0) ws.splice(i, 1);
    if (ws.length === 0) this.waiters.delete(id);
    w.resolve(t);
  }
}
