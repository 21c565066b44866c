/**
 * The replicated orchestrator: keeps Replicas wanted tasks per replicated service, one per
 * slot 1..n (leader only). It watches services, tasks, nodes and the cluster, and each
 * reconcile pass writes one batch:
 *
 *   deleted services      every task desired REMOVE
 *   tasks to restart      stopped tasks still wanted, tasks on nodes down/drained/gone:
 *                         restart supervisor (old SHUTDOWN, new READY in the same slot)
 *   services to reconcile plan.ts: create in free slots / REMOVE surplus slots
 *
 * then hands each reconciled service's kept slots to the update supervisor. A service is
 * reconciled when it changes and when one of its tasks stops being wanted or disappears.
 */
import { serviceMode } from '../../../api/service.ts';
import type { Clock } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { Rng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { createTasks, NodeHealth, retireServiceTasks, TaggedBatch } from '../common.ts';
import { logBatch, type OrchestratorDeps, ReconcileLoop } from '../loop.ts';
import { RestartSupervisor } from '../restart/supervisor.ts';
import {
  hasTerminated,
  isoNow,
  isRunnable,
  newTask,
  rank,
  type SCluster,
  type SService,
  type STask,
} from '../task.ts';
import { UpdateSupervisor } from '../update/supervisor.ts';
import { planReplicated } from './plan.ts';

const mine = (s: SService): boolean => serviceMode(s.Spec) === 'replicated';
const isMine = (s: SService | undefined): s is SService => s !== undefined && mine(s);

export class ReplicatedOrchestrator {
  readonly restarts: RestartSupervisor;
  readonly updates: UpdateSupervisor;
  readonly filter = { tables: ['clusters', 'nodes', 'services', 'tasks'] as const };
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly loop: ReconcileLoop;
  private cluster: SCluster | undefined;
  private readonly services = new Map<string, SService>();
  private readonly nodes = new NodeHealth();
  private dirty = new Set<string>();
  private restartIds = new Set<string>();
  private deleted = new Set<string>();

  constructor(deps: OrchestratorDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.log = (deps.logger ?? nullLogger).child({ component: 'orchestrator/replicated' });
    this.restarts = new RestartSupervisor(deps);
    this.updates = new UpdateSupervisor({ ...deps, restarts: this.restarts });
    this.loop = new ReconcileLoop('replicated orchestrator', this.store, this, this.log);
  }

  start(): void {
    this.restarts.start();
    this.updates.start();
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.updates.stop();
    await this.restarts.stop();
  }

  init(tx: ReadTx): void {
    this.cluster = tx.clusters.current();
    for (const n of tx.nodes.all()) this.nodes.apply({ kind: 'create', table: 'nodes', object: n, index: 0 });
    for (const s of tx.services.all()) {
      if (!isMine(s)) continue;
      this.services.set(s.ID, s);
      this.dirty.add(s.ID);
      for (const t of tx.tasks.byService(s.ID)) this.noteTask(t);
    }
    this.restarts.initFromStore(tx, mine);
  }

  onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      switch (e.table) {
        case 'clusters':
          if (e.object.Spec.Name === 'default') this.cluster = e.kind === 'delete' ? undefined : e.object;
          break;
        case 'nodes':
          if (this.nodes.apply(e)) this.restartTasksOnNode(e.object.ID);
          break;
        case 'services':
          this.onService(e);
          break;
        case 'tasks': {
          const t = e.object;
          if (!this.services.has(t.ServiceID)) break;
          if (e.kind === 'delete') {
            this.restarts.cancel(t.ID);
            if (isRunnable(t)) this.dirty.add(t.ServiceID);
          } else if (isRunnable(t)) this.noteTask(t);
          else if (e.old && isRunnable(e.old)) this.dirty.add(t.ServiceID);
          break;
        }
      }
    }
  }

  hasWork(): boolean {
    return this.dirty.size + this.restartIds.size + this.deleted.size > 0;
  }

  async flush(): Promise<void> {
    const { dirty, restartIds, deleted } = this;
    this.dirty = new Set();
    this.restartIds = new Set();
    this.deleted = new Set();
    const cluster = this.cluster;
    const ts = isoNow(this.clock);
    let tagged!: TaggedBatch<string>;
    const r = await this.restarts.batch((b) => {
      tagged = new TaggedBatch<string>(b);
      for (const id of deleted) retireServiceTasks(tagged, id);
      for (const id of restartIds)
        tagged.update(`r${id}`, (tx) => {
          const t = tx.tasks.get(id);
          const svc = t && tx.services.get(t.ServiceID);
          if (t && isMine(svc) && isRunnable(t)) this.restarts.restart(tx, cluster, svc, t);
        });
      for (const id of dirty) {
        const plan = tagged.read((tx) => {
          const svc = tx.services.get(id);
          if (!isMine(svc)) return undefined;
          const p = planReplicated(svc, tx.tasks.byService(id), (slot) =>
            this.restarts.updatableTasksInSlot(slot, svc),
          );
          return { svc, ...p };
        });
        if (!plan) continue;
        createTasks(tagged, `s${id}`, plan.create, (tx, slot) =>
          tx.tasks.create(newTask(cluster, plan.svc, slot, this.clock, this.rng, { timestamp: ts })),
        );
        for (const t of plan.remove)
          tagged.update(`s${id}`, (tx) => {
            const cur = tx.tasks.get(t.ID);
            if (cur && rank(cur.DesiredState) < rank('remove'))
              tx.tasks.update(cur, { DesiredState: 'remove' });
          });
      }
    });
    logBatch(this.log, 'replicated reconcile', r);
    for (const tag of tagged.conflicts(r)) {
      if (tag[0] === 'r') this.restartIds.add(tag.slice(1));
      else if (tag[0] === 's') this.dirty.add(tag.slice(1));
      else if (tag[0] === 'x') this.deleted.add(tag.slice(1));
    }
    this.rollingUpdates(dirty, cluster);
  }

  /** After the batch applied: each reconciled service's kept slots to the update supervisor. */
  private rollingUpdates(ids: Set<string>, cluster: SCluster | undefined): void {
    const work = this.store.view((tx) => {
      const out: Array<[SService, STask[][]]> = [];
      for (const id of ids) {
        const svc = tx.services.get(id);
        if (!isMine(svc)) continue;
        const plan = planReplicated(svc, tx.tasks.byService(id), (slot) =>
          this.restarts.updatableTasksInSlot(slot, svc),
        );
        out.push([svc, plan.keep]);
      }
      return out;
    });
    for (const [svc, keep] of work) this.updates.update(cluster, svc, keep);
  }

  private onService(e: StoreEvent & { table: 'services' }): void {
    const s = e.object;
    if (e.kind === 'delete') {
      if (!this.services.delete(s.ID) && !mine(s)) return;
      this.deleted.add(s.ID);
      this.dirty.delete(s.ID);
      this.restarts.clearServiceHistory(s.ID);
      this.updates.cancel(s.ID);
      return;
    }
    if (!mine(s)) {
      this.services.delete(s.ID);
      return;
    }
    this.services.set(s.ID, s);
    this.dirty.add(s.ID);
  }

  /** A wanted task that stopped, or sits on a node that cannot hold it, is restarted. */
  private noteTask(t: STask): void {
    if (!isRunnable(t)) return;
    if (hasTerminated(t) || (t.NodeID && !this.nodes.valid(t.NodeID))) this.restartIds.add(t.ID);
  }

  private restartTasksOnNode(nodeId: string): void {
    for (const t of this.store.view((tx) => tx.tasks.byNode(nodeId)))
      if (this.services.has(t.ServiceID) && isRunnable(t)) this.restartIds.add(t.ID);
  }
}
