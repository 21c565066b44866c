/**
 * The task reaper: the only component that deletes tasks (leader only). It notes slots
 * that got a new task or a task that stopped, and tasks that became removable
 * (history.ts), and every `batchIntervalMs` (250 ms; at once past `maxDirty` items) deletes
 * what history.ts says in one batch. At start it looks at every task once: what a previous
 * leader left behind, including tasks of services deleted while nobody watched (those
 * still live get desired REMOVE so their agents stop them).
 */
import type { Clock, Timer } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { logBatch, type OrchestratorDeps, ReconcileLoop } from '../loop.ts';
import { hasTerminated, rank, type STask } from '../task.ts';
import { historyLimit, keepsHistory, removable, trimSlot } from './history.ts';

export interface TaskReaperOptions extends OrchestratorDeps {
  batchIntervalMs?: number;
  maxDirty?: number;
}

/** `<service>\0s<slot>` or `<service>\0n<node>`: a slot's tasks share it. */
const slotOf = (t: STask): string => `${t.ServiceID}\0${t.Slot ? `s${t.Slot}` : `n${t.NodeID ?? ''}`}`;

export class TaskReaper {
  readonly filter = { tables: ['clusters', 'services', 'tasks', 'nodes'] as const };
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly loop: ReconcileLoop;
  private readonly interval: number;
  private readonly maxDirty: number;
  private limit: number | undefined;
  private dirty = new Set<string>();
  private check = new Set<string>();
  private retire = new Set<string>();
  private timer: Timer | undefined;
  private due = false;

  constructor(opts: TaskReaperOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'taskreaper' });
    this.interval = opts.batchIntervalMs ?? 250;
    this.maxDirty = opts.maxDirty ?? 1000;
    this.loop = new ReconcileLoop('task reaper', this.store, this, this.log);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.loop.stop();
  }

  init(tx: ReadTx): void {
    this.limit = tx.clusters.current()?.Spec.Orchestration?.TaskHistoryRetentionLimit;
    for (const t of tx.tasks.all()) {
      const svc = t.ServiceID ? tx.services.get(t.ServiceID) : undefined;
      if (t.ServiceID && !svc && !hasTerminated(t) && rank(t.DesiredState) < rank('remove'))
        this.retire.add(t.ID);
      else this.check.add(t.ID);
      if (svc) this.dirty.add(slotOf(t));
    }
    this.due = true;
  }

  onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'clusters') {
        if (e.kind !== 'delete' && e.object.Spec.Name === 'default') {
          this.limit = e.object.Spec.Orchestration?.TaskHistoryRetentionLimit;
          for (const id of this.store.view((tx) => tx.services.all().map((s) => s.ID))) this.dirtyService(id);
        }
      } else if (e.table === 'tasks') {
        const t = e.object;
        if (e.kind === 'delete') continue;
        if (t.DesiredState === 'remove' || !t.ServiceID) this.check.add(t.ID);
        if (e.kind === 'create') this.dirty.add(slotOf(t));
        else {
          if (hasTerminated(t) && e.old && !hasTerminated(e.old)) {
            this.dirty.add(slotOf(t));
            this.check.add(t.ID);
          }
        }
      } else if (e.table === 'services' && e.kind === 'delete') {
        for (const t of this.store.view((tx) => tx.tasks.byService(e.object.ID))) this.check.add(t.ID);
      } else if (e.table === 'nodes' && e.kind === 'delete') {
        for (const t of this.store.view((tx) => tx.tasks.byNode(e.object.ID))) {
          this.check.add(t.ID);
          this.dirty.add(slotOf(t));
        }
      }
    }
    this.arm();
  }

  hasWork(): boolean {
    return this.due && this.dirty.size + this.check.size + this.retire.size > 0;
  }

  async flush(): Promise<void> {
    const { dirty, check, retire } = this;
    this.dirty = new Set();
    this.check = new Set();
    this.retire = new Set();
    this.due = false;
    const doomed = this.store.view((tx) => this.decide(tx, dirty, check));
    if (doomed.size + retire.size === 0) return;
    const r = await this.store.batch((b) => {
      for (const id of doomed) b.update((tx) => tx.tasks.has(id) && tx.tasks.delete(id));
      for (const id of retire)
        b.update((tx) => {
          const t = tx.tasks.get(id);
          if (t && rank(t.DesiredState) < rank('remove')) tx.tasks.update(t, { DesiredState: 'remove' });
        });
    });
    logBatch(this.log, 'task reaper', r);
    this.log.debug({ deleted: doomed.size, retired: retire.size }, 'reaped');
  }

  private decide(tx: ReadTx, dirty: Set<string>, check: Set<string>): Set<string> {
    const doomed = new Set<string>();
    const nodeExists = (id: string) => tx.nodes.has(id);
    for (const id of check) {
      const t = tx.tasks.get(id);
      if (t && removable(t, t.ServiceID !== '' && tx.services.has(t.ServiceID), nodeExists)) doomed.add(id);
    }
    for (const key of dirty) {
      const sep = key.indexOf('\0');
      const svc = tx.services.get(key.slice(0, sep));
      if (!svc || !keepsHistory(svc)) continue;
      const where = key.slice(sep + 1);
      const tasks =
        where[0] === 's'
          ? tx.tasks.bySlot(svc.ID, Number(where.slice(1)))
          : tx.tasks.byServiceNode(svc.ID, where.slice(1));
      for (const t of trimSlot(tasks, historyLimit(svc, this.limit), nodeExists)) doomed.add(t.ID);
    }
    return doomed;
  }

  private dirtyService(id: string): void {
    for (const t of this.store.view((tx) => tx.tasks.byService(id))) this.dirty.add(slotOf(t));
  }

  /** The batching timer: a flush every interval while there is work, at once past maxDirty. */
  private arm(): void {
    const size = this.dirty.size + this.check.size + this.retire.size;
    if (size === 0) return;
    if (size > this.maxDirty) {
      this.timer?.cancel();
      this.timer = undefined;
      this.due = true;
      return;
    }
    if (this.timer || this.due || !this.loop.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.loop.kick();
    }, this.interval);
  }
}
