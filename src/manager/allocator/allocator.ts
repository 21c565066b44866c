/**
 * Allocator: the leader-only component that gives networks their subnets, services their
 * published ports and virtual IPs, and tasks their addresses, then moves each task from
 * NEW to PENDING ("pending task scheduling") for the scheduler. It talks to nothing but
 * the store: it watches networks, services, tasks and the cluster, and writes only the
 * fields it owns (Network.IPAMOptions/DriverState, Service.Endpoint, Task.Status while
 * NEW, Task.NetworksAttachments, Task.Endpoint).
 *
 *   start()  one view: rebuild the allocation state from the store (restore), subscribe
 *   events   note ids (dirty / gone) and return; schedule a pass (a microtask)
 *   pass     releases, then decisions (decide.ts) over one view, then ONE store.batch,
 *            then confirm (deferred releases, wakes) or revert each write
 *   stop()   unsubscribe, wait for the pass in flight
 *
 * One pass at a time: events that arrive while a batch is in flight are handled by the
 * next pass, which reads the store as it then is. A write that failed for sure (a version
 * conflict, the object gone) is reverted and its object looked at again; one whose fate
 * is unknown (timeout, leadership lost) keeps its claims, so nothing can be handed out
 * twice (it may leak until the next leader rebuilds), and is decided again after
 * `retryMs` (a timer the allocator owns).
 */

import { isTerminal } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import { type ErrorCode, ShoalError } from '../../base/errors.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { Owner } from '../../base/owner.ts';
import type { MemoryStore } from '../../store/memory-store.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import type { StoreEvent } from '../../store/types.ts';
import { decideAll, type PassContext, releaseGone } from './pass.ts';
import { AllocationState } from './state.ts';
import { type Kind, Work } from './work.ts';
import type { PendingWrite } from './writes.ts';

export interface AllocatorOptions {
  store: MemoryStore;
  clock: Clock;
  logger?: Logger;
  /** Delay before redeciding objects whose write may or may not have applied (default 1 s). */
  retryMs?: number;
}

export interface AllocationProblem {
  kind: Kind;
  id: string;
  reason: string;
}

export interface AllocatorStats {
  passes: number;
  /** Writes applied, by kind (a blocked task's Status.Err counts as a task write). */
  written: Record<Kind, number>;
  failed: number;
  restoreMs: number;
  decideMs: number;
  writeMs: number;
}

/** Failures decided at apply time, the same on every member: the write did not happen. */
const DEFINITE: ReadonlySet<ErrorCode> = new Set([
  'conflict',
  'not_found',
  'failed_precondition',
  'already_exists',
  'invalid_argument',
  'corrupt',
]);

export class Allocator {
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly state: AllocationState;
  private readonly work = new Work();
  private readonly ctx: PassContext;
  private readonly owner = new Owner();
  private started = false;
  private stopped = false;
  private scheduled = false;
  private busy = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly retryMs: number;
  private readonly retry: Record<Kind, Set<string>> = {
    network: new Set(),
    service: new Set(),
    task: new Set(),
  };
  private retryTimer: Timer | undefined;
  private idleWaiters: Array<() => void> = [];
  readonly stats: AllocatorStats = {
    passes: 0,
    written: { network: 0, service: 0, task: 0 },
    failed: 0,
    restoreMs: 0,
    decideMs: 0,
    writeMs: 0,
  };

  constructor(opts: AllocatorOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'allocator' });
    this.state = new AllocationState((m) => this.log.error({}, `allocator: inconsistent store: ${m}`));
    this.ctx = { state: this.state, work: this.work, log: this.log };
    this.retryMs = opts.retryMs ?? 1_000;
  }

  /** Rebuilds from the store and starts watching. Start after the store has caught up. */
  start(): void {
    if (this.started) throw new ShoalError('failed_precondition', 'allocator: already started');
    this.started = true;
    const { unsubscribe } = this.store.viewAndSubscribe(
      (tx) => this.restore(tx),
      (events) => this.onEvents(events),
      { tables: ['networks', 'services', 'tasks', 'clusters'] },
    );
    this.owner.add(unsubscribe);
    this.owner.add(() => this.retryTimer?.cancel());
    this.schedule();
  }

  /** Stops watching and waits for the pass in flight; the allocator cannot start again. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.owner.dispose();
    await this.loopDone;
    this.flushIdle();
  }

  /**
   * Resolves once nothing is left to do now: every object allocated, waiting or blocked
   * (objects due for a retry are not work until their timer fires).
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Objects that cannot be allocated now, and why (Docker's words). */
  problems(): AllocationProblem[] {
    const out: AllocationProblem[] = [];
    for (const kind of ['network', 'service', 'task'] as const) {
      for (const [id, reason] of this.work.problems[kind]) out.push({ kind, id, reason });
    }
    return out.sort((a, b) => (a.kind === b.kind ? (a.id < b.id ? -1 : 1) : a.kind < b.kind ? -1 : 1));
  }

  private restore(tx: ReadTx): void {
    const t0 = this.clock.now();
    const nets = tx.networks.all().sort((a, b) => Number(!!b.Spec.Ingress) - Number(!!a.Spec.Ingress));
    for (const n of nets) this.state.restoreNetwork(n);
    for (const s of tx.services.all()) this.state.restoreService(s);
    for (const t of tx.tasks.all()) this.state.restoreTask(t);
    for (const n of nets) this.work.dirty.network.add(n.ID);
    for (const s of tx.services.all()) this.work.dirty.service.add(s.ID);
    for (const t of tx.tasks.byState('new')) this.work.dirty.task.add(t.ID);
    this.stats.restoreMs += this.clock.now() - t0;
  }

  private onEvents(events: StoreEvent[]): void {
    if (this.stopped) return;
    const { dirty, gone } = this.work;
    let noted = false;
    for (const e of events) {
      const id = e.object.ID;
      if (e.table === 'tasks') {
        if (e.kind === 'delete' || isTerminal(e.object.Status.State)) gone.task.add(id);
        else if (e.object.Status.State === 'new') dirty.task.add(id);
        else continue;
      } else if (e.table === 'services' || e.table === 'networks') {
        const kind = e.table === 'services' ? 'service' : 'network';
        (e.kind === 'delete' ? gone : dirty)[kind].add(id);
      } else if (e.table === 'clusters') this.work.clusterChanged = true;
      else continue;
      noted = true;
    }
    if (noted) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.stopped) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.busy || this.stopped) return;
      this.busy = true;
      this.loopDone = this.loop();
    });
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped && this.work.pending) await this.pass();
    } catch (e) {
      this.log.error({ err: e }, 'allocator: pass failed (a bug)');
    } finally {
      this.busy = false;
      if (this.work.pending && !this.stopped) this.schedule();
      else this.flushIdle();
    }
  }

  private async pass(): Promise<void> {
    this.stats.passes++;
    releaseGone(this.ctx);
    const t0 = this.clock.now();
    const now = new Date(this.clock.wallNow()).toISOString();
    const writes = this.store.view((tx) => decideAll(this.ctx, tx, now));
    const t1 = this.clock.now();
    this.stats.decideMs += t1 - t0;
    if (writes.length === 0) return;
    const txOf = new Map<number, PendingWrite>();
    const res = await this.store.batch((b) => {
      for (const w of writes)
        txOf.set(
          b.update((tx) => w.apply(tx)),
          w,
        );
    });
    this.stats.writeMs += this.clock.now() - t1;
    const failed = new Map(res.failed.map((f) => [f.tx, f.error]));
    const wakes: string[] = [];
    let unsure: { count: number; first?: string } = { count: 0 };
    for (const [tx, w] of txOf) {
      const err = failed.get(tx);
      if (!err) {
        this.stats.written[w.kind]++;
        if (w.commit) {
          this.work.settle(w.kind, w.id);
          wakes.push(...w.commit.confirm());
        }
      } else if (DEFINITE.has(err.code)) {
        this.stats.failed++;
        w.commit?.revert();
        this.work.dirty[w.kind].add(w.id);
      } else {
        // its claims stay: if it did apply, they are the store's; if not, they are reused
        this.stats.failed++;
        unsure = { count: unsure.count + 1, first: unsure.first ?? `${w.kind} ${w.id}: ${err.message}` };
        this.retry[w.kind].add(w.id);
      }
    }
    this.work.wake(wakes);
    if (unsure.count > 0) {
      this.log.error(
        { writes: unsure.count },
        `allocator: ${unsure.count} write(s) may or may not have applied (first: ${unsure.first}); ` +
          `deciding again in ${this.retryMs} ms`,
      );
      this.armRetry();
    }
  }

  /** Writes of unknown fate are decided again later, not in a tight loop (leadership may be going). */
  private armRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      for (const kind of ['network', 'service', 'task'] as const) {
        for (const id of this.retry[kind]) this.work.dirty[kind].add(id);
        this.retry[kind].clear();
      }
      this.schedule();
    }, this.retryMs);
  }

  private isIdle(): boolean {
    return !this.busy && !this.scheduled && (!this.work.pending || this.stopped);
  }

  private flushIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
