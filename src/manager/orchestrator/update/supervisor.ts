/**
 * The update supervisor: the helper the replicated and global orchestrators call after
 * each reconcile with the slots they keep. At most one Updater runs per service; a call
 * for the spec it already works towards changes nothing, a new spec cancels it and starts
 * another (swarmkit's update.Supervisor).
 *
 *   orchestrator ── update(cluster, service, slots) ──► Updater (updater.ts)
 *   store: task events ──► the service's Updater (progress, failures)
 *          service updates ──► which UpdateStatus is stale (status.ts classifySpecChange)
 */
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { deepEqual } from '../equal.ts';
import type { OrchestratorDeps } from '../loop.ts';
import type { RestartSupervisor } from '../restart/supervisor.ts';
import type { SCluster, Slot, SService } from '../task.ts';
import type { UpdaterContext } from './context.ts';
import { classifySpecChange } from './status.ts';
import { Updater } from './updater.ts';

export interface UpdateSupervisorOptions extends OrchestratorDeps {
  restarts: RestartSupervisor;
}

export class UpdateSupervisor {
  private readonly store: MemoryStore;
  private readonly log: Logger;
  private readonly ctx: UpdaterContext;
  private readonly updaters = new Map<string, Updater>();
  private readonly running = new Set<Promise<void>>();
  /** Services whose UpdateStatus was left by an older spec, and how the spec changed. */
  private readonly stale = new Map<string, 'update' | 'rollback'>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(opts: UpdateSupervisorOptions) {
    this.store = opts.store;
    this.log = (opts.logger ?? nullLogger).child({ component: 'update' });
    this.ctx = {
      store: opts.store,
      clock: opts.clock,
      rng: opts.rng,
      log: this.log,
      restarts: opts.restarts,
      clearStale: (id) => this.stale.delete(id),
      sameSpec: (cur, target) => deepEqual(cur.Spec, target.Spec),
    };
  }

  start(): void {
    this.unsubscribe ??= this.store.subscribe((events) => this.onEvents(events), {
      tables: ['services', 'tasks'],
      kinds: ['update', 'delete'],
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const u of this.updaters.values()) u.cancel();
    await Promise.all([...this.running]);
  }

  /** The update in progress for a service, if any (tests, status). */
  updating(serviceId: string): boolean {
    return this.updaters.has(serviceId);
  }

  /** Brings the tasks of `slots` to `service`'s spec, unless an update towards it runs. */
  update(cluster: SCluster | undefined, service: SService, slots: readonly Slot[]): void {
    if (this.stopped) return;
    const cur = this.updaters.get(service.ID);
    if (cur) {
      // One that halted (paused, say) is done deciding: a later reconcile gets a new one.
      if (cur.active && deepEqual(cur.service.Spec, service.Spec)) return;
      cur.cancel();
    }
    // As swarmkit's Cancel, the new update waits for the old one's writes in flight.
    const u = new Updater(this.ctx, cluster, service, slots, this.stale.get(service.ID), cur?.done);
    this.updaters.set(service.ID, u);
    const done = u.done.finally(() => {
      this.running.delete(done);
      if (this.updaters.get(service.ID) === u) this.updaters.delete(service.ID);
    });
    this.running.add(done);
  }

  cancel(serviceId: string): void {
    this.updaters.get(serviceId)?.cancel();
    this.updaters.delete(serviceId);
  }

  private onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services') {
        if (e.kind === 'delete') {
          this.cancel(e.object.ID);
          this.stale.delete(e.object.ID);
          continue;
        }
        if (!e.old) continue;
        const change = classifySpecChange(e.old, e.object);
        if (change === 'written') this.stale.delete(e.object.ID);
        else if (change === 'update' || change === 'rollback') this.stale.set(e.object.ID, change);
      } else if (e.table === 'tasks') {
        this.updaters.get(e.object.ServiceID)?.onTaskEvent(e);
      }
    }
  }
}
