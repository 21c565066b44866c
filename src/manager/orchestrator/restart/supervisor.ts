/**
 * The restart supervisor: a helper each orchestrator calls (replicated, global, jobs) when
 * a task it wants running has stopped, or sits on a node that went down or was drained.
 * Inside the caller's transaction it shuts the old task down and, if the restart policy
 * allows (policy.ts), creates the replacement in the same slot (on the same node for
 * global services) with desired state READY; the delayed start (delays.ts) promotes it
 * after the restart delay and once the old task has stopped (swarmkit's way).
 *
 *   orchestrator: restarts.batch(… restart(tx, …) …) ──► old: desired SHUTDOWN
 *                                                   └► new: desired READY
 *   (that batch applied) ──► delay (5 s default; none on a drained node) ──► RUNNING
 *
 * History of restarts per slot (policy.ts) lives here, rebuilt from the store's task
 * history when a leader starts (initFromStore, as swarmkit's taskinit).
 */
import { isGlobal, isJob } from '../../../api/service.ts';
import type { Clock } from '../../../base/clock.ts';
import { isShoalError } from '../../../base/errors.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { Rng } from '../../../base/rng.ts';
import type { Batch } from '../../../store/batch.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx, WriteTx } from '../../../store/tables/index.ts';
import type { BatchResult } from '../../../store/types.ts';
import type { OrchestratorDeps } from '../loop.ts';
import {
  byCreation,
  hasTerminated,
  newestTask,
  newTask,
  rank,
  type SCluster,
  type SService,
  type STask,
  slotKey,
  slotKeyFor,
  stampMs,
  wantedCeiling,
} from '../task.ts';
import { DelayedStarts, type DelayHandle, startNow } from './delays.ts';
import {
  conditionAllows,
  type ResolvedRestartPolicy,
  type RestartHistory,
  recordRestart,
  restartPolicy,
  withinAttempts,
} from './policy.ts';

export interface RestartSupervisorOptions extends OrchestratorDeps {
  /** How long a replacement waits for the task it replaces to stop (swarmkit: 1 minute). */
  oldTaskTimeoutMs?: number;
}

export class RestartSupervisor {
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly history = new Map<string, Map<string, RestartHistory>>();
  private readonly delays: DelayedStarts;
  private readonly inflight = new Set<Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(opts: RestartSupervisorOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.log = (opts.logger ?? nullLogger).child({ component: 'restart' });
    this.delays = new DelayedStarts(this.store, this.clock, this.log, opts.oldTaskTimeoutMs ?? 60_000, (id) =>
      this.restartLater(id),
    );
  }

  start(): void {
    this.unsubscribe ??= this.store.subscribe((events) => this.delays.onEvents(events), {
      tables: ['tasks', 'nodes'],
      kinds: ['update', 'delete'],
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.delays.stop();
    await Promise.all([...this.inflight]);
  }

  /** Delayed starts waiting (held or active): tests check nothing is left behind. */
  get pendingStarts(): number {
    return this.delays.size;
  }

  /** May `t`, which stopped (or must leave its node), be replaced under its restart policy? */
  shouldRestart(t: STask, service: SService): boolean {
    const policy = restartPolicy(t);
    if (!conditionAllows(policy.condition, t.Status.State, isJob(service.Spec))) return false;
    const h = this.history.get(t.ServiceID)?.get(slotKeyFor(t, service));
    return withinAttempts(policy, h, t.SpecVersion?.Index, this.clock.wallNow());
  }

  /**
   * The tasks of a slot that keep it occupied (swarmkit's UpdatableTasksInSlot): the
   * wanted ones; or else the newest, when it stopped and will not be restarted (so a
   * rolling update still reaches it). A slot being removed, or any slot during a
   * rollback, with no wanted task is empty.
   */
  updatableTasksInSlot(slot: readonly STask[], service: SService): STask[] {
    const ceiling = wantedCeiling(service);
    const wanted = slot.filter((t) => rank(t.DesiredState) <= ceiling);
    if (wanted.length > 0) return wanted;
    if (service.UpdateStatus?.State === 'rollback_started') return [];
    const newest = newestTask(slot);
    if (!newest || newest.DesiredState === 'remove') return [];
    return this.shouldRestart(newest, service) ? [] : [newest];
  }

  /**
   * Replaces `t` (read in `tx`) if its policy allows; always shuts it down. `tx` must
   * belong to this supervisor's batch() or update(), which starts the replacement's delay
   * once that write has applied.
   */
  restart(tx: WriteTx, cluster: SCluster | undefined, service: SService, t: STask): void {
    if (this.delays.markRestartAfter(t.ID)) return; // its own start is still delayed
    if (rank(t.DesiredState) > wantedCeiling(service)) {
      this.log.warn({ task: t.ID, desired: t.DesiredState }, 'restart of a task already shut down');
      return;
    }
    tx.tasks.update(t, { DesiredState: 'shutdown' });
    if (!this.shouldRestart(t, service)) return;
    const global = isGlobal(service.Spec);
    const where = global ? t.NodeID : t.Slot;
    if (!where) return;
    if (!isJob(service.Spec) && this.slotStillHeld(tx, service, t)) return;
    const repl = newTask(cluster, service, where, this.clock, this.rng, { desiredState: 'ready' });
    const node = t.NodeID ? tx.nodes.get(t.NodeID) : undefined;
    const policy = restartPolicy(t);
    const delay = node?.Spec.Availability === 'drain' ? 0 : policy.delayMs;
    const waitStop = !(node?.Status.State === 'down' || hasTerminated(t));
    tx.tasks.create(repl);
    this.record(
      service.ID,
      slotKey(repl, global),
      restartPolicy(repl),
      repl.SpecVersion?.Index,
      this.clock.wallNow(),
    );
    this.delays.hold(repl.ID, waitStop ? t : undefined, delay);
  }

  /**
   * Does another wanted task still hold `t`'s slot (its node, for a global service)? Then
   * `t` is not replaced: the slot keeps one task. A slot holds two wanted tasks only in a
   * start-first rolling update (or one that was halted mid-slot): when the old task fails
   * or loses its node, the new one already takes its place, and when the new one fails,
   * the old one still runs (swarmkit would add a third and leave the slot crowded,
   * moby/swarmkit#2242). When both must go (the same drained node), the second one's
   * restart, which sees the first already shut down, makes the single replacement.
   * Job slots are left out: a slot's finished tasks stay wanted (desired COMPLETE).
   */
  private slotStillHeld(tx: WriteTx, service: SService, t: STask): boolean {
    const slot = isGlobal(service.Spec)
      ? tx.tasks.byServiceNode(service.ID, t.NodeID ?? '')
      : tx.tasks.bySlot(service.ID, t.Slot ?? 0);
    return slot.some((o) => o.ID !== t.ID && rank(o.DesiredState) <= rank('running'));
  }

  /**
   * store.batch(fn) for transactions that call restart(): once the batch has applied, the
   * delayed starts of the replacements it created begin. Only its own: another write still
   * in flight (an orchestrator's batch, one of this supervisor's restarts) is left to
   * start its own, whose tasks may not be in the store yet.
   */
  batch(fn: (b: Batch) => void): Promise<BatchResult> {
    return this.delays.holding(() => this.store.batch(fn));
  }

  /** store.update(fn) for a transaction that calls restart(), as batch(). */
  update<R>(fn: (tx: WriteTx) => R): Promise<R> {
    return this.delays.holding(() => this.store.update(fn));
  }

  /** Promote `newTaskId` after `delayMs` and (if `old` is given) once `old` stopped. */
  delayStart(old: STask | undefined, newTaskId: string, delayMs: number): DelayHandle {
    return this.delays.schedule(newTaskId, old, delayMs);
  }

  startNow(tx: WriteTx, taskId: string): void {
    startNow(tx, taskId);
  }

  cancel(taskId: string): void {
    this.delays.cancel(taskId);
  }

  clearServiceHistory(serviceId: string): void {
    this.history.delete(serviceId);
  }

  /**
   * Leader start-up (swarmkit's taskinit): rebuild restart history from the task history
   * (in each slot, every task of the newest spec version but the first was a restart) and
   * resume the delayed starts of READY tasks a previous leader left behind.
   */
  initFromStore(tx: ReadTx, related: (s: SService) => boolean): void {
    const slots = new Map<string, { service: SService; tasks: STask[] }>();
    for (const t of tx.tasks.all()) {
      const service = tx.services.get(t.ServiceID);
      if (!service || !related(service)) continue;
      const key = `${t.ServiceID}\0${slotKeyFor(t, service)}`;
      const g = slots.get(key);
      if (g) g.tasks.push(t);
      else slots.set(key, { service, tasks: [t] });
    }
    for (const { service, tasks } of slots.values()) {
      const versions = tasks.map((t) => t.SpecVersion?.Index ?? -1);
      const max = Math.max(...versions);
      const current = tasks.filter((_, i) => versions[i] === max).sort(byCreation);
      for (const t of current.slice(1))
        this.record(
          service.ID,
          slotKeyFor(t, service),
          restartPolicy(t),
          t.SpecVersion?.Index,
          stampMs(t.CreatedAt),
        );
      for (const t of tasks) {
        if (t.DesiredState !== 'ready' || hasTerminated(t)) continue;
        const due = stampMs(t.CreatedAt) + restartPolicy(t).delayMs - this.clock.wallNow();
        const old = tasks.find(
          (o) => o !== t && rank(o.DesiredState) > wantedCeiling(service) && !hasTerminated(o),
        );
        this.delays.schedule(t.ID, old, Number.isFinite(due) ? due : 0);
      }
    }
  }

  private record(
    serviceId: string,
    key: string,
    policy: ResolvedRestartPolicy,
    version: number | undefined,
    atMs: number,
  ): void {
    const m = this.history.get(serviceId) ?? new Map<string, RestartHistory>();
    const next = recordRestart(policy, m.get(key), version, atMs);
    if (!next) return;
    m.set(key, next);
    this.history.set(serviceId, m);
  }

  /** A task marked for restart while its own start was delayed: restart it now. */
  private restartLater(taskId: string, attempt = 0): void {
    if (this.stopped) return;
    const p = this.update((tx) => {
      const t = tx.tasks.get(taskId);
      const service = t && tx.services.get(t.ServiceID);
      if (!t || !service || rank(t.DesiredState) > wantedCeiling(service)) return;
      this.restart(tx, tx.clusters.current(), service, t);
    })
      .then(
        () => undefined,
        (e: unknown) => {
          if (isShoalError(e, 'conflict') && attempt < 5) this.restartLater(taskId, attempt + 1);
          else this.log.warn({ task: taskId, err: String(e) }, 'restart after a delayed start failed');
        },
      )
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
