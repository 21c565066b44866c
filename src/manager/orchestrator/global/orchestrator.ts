/**
 * The global orchestrator: one wanted task per eligible node for each global service
 * (leader only). Tasks are created with their NodeID set; the scheduler only confirms it.
 * Each reconcile pass writes one batch:
 *
 *   deleted services   every task desired REMOVE
 *   stopped tasks      restart supervisor (same node), or shut down if the node is paused
 *                      or no longer matches
 *   changed services   planGlobal over every node: create / shut down; kept slots then go
 *                      to the update supervisor (rolling update)
 *   changed nodes      planGlobalNode for every global service: join, leave (REMOVE), down,
 *                      drain, pause, label changes; outdated tasks there are replaced at once
 */
import { serviceMode } from '../../../api/service.ts';
import type { Clock } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { Rng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx, WriteTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { createTasks, retireServiceTasks, TaggedBatch } from '../common.ts';
import { logBatch, type OrchestratorDeps, ReconcileLoop } from '../loop.ts';
import { RestartSupervisor } from '../restart/supervisor.ts';
import {
  hasTerminated,
  isoNow,
  isRunnable,
  isTaskDirty,
  newTask,
  rank,
  type SCluster,
  type SService,
  type STask,
} from '../task.ts';
import { UpdateSupervisor } from '../update/supervisor.ts';
import { type NodePlan, nodeFit, planGlobal, planGlobalNode, serviceConstraints } from './plan.ts';

const mine = (s: SService): boolean => serviceMode(s.Spec) === 'global';
const isMine = (s: SService | undefined): s is SService => s !== undefined && mine(s);

export class GlobalOrchestrator {
  readonly restarts: RestartSupervisor;
  readonly updates: UpdateSupervisor;
  readonly filter = { tables: ['clusters', 'nodes', 'services', 'tasks'] as const };
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly loop: ReconcileLoop;
  private cluster: SCluster | undefined;
  private readonly services = new Set<string>();
  private dirty = new Set<string>();
  private dirtyNodes = new Set<string>();
  private restartIds = new Set<string>();
  private deleted = new Set<string>();

  constructor(deps: OrchestratorDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.log = (deps.logger ?? nullLogger).child({ component: 'orchestrator/global' });
    this.restarts = new RestartSupervisor(deps);
    this.updates = new UpdateSupervisor({ ...deps, restarts: this.restarts });
    this.loop = new ReconcileLoop('global orchestrator', this.store, this, this.log);
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
    for (const s of tx.services.all()) {
      if (!mine(s)) continue;
      this.services.add(s.ID);
      this.dirty.add(s.ID);
      for (const t of tx.tasks.byService(s.ID))
        if (isRunnable(t) && hasTerminated(t)) this.restartIds.add(t.ID);
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
          if (this.services.size > 0) this.dirtyNodes.add(e.object.ID);
          break;
        case 'services': {
          const s = e.object;
          if (e.kind === 'delete') {
            if (!this.services.delete(s.ID) && !mine(s)) break;
            this.deleted.add(s.ID);
            this.dirty.delete(s.ID);
            this.restarts.clearServiceHistory(s.ID);
            this.updates.cancel(s.ID);
          } else if (mine(s)) {
            this.services.add(s.ID);
            this.dirty.add(s.ID);
          } else this.services.delete(s.ID);
          break;
        }
        case 'tasks': {
          const t = e.object;
          if (!this.services.has(t.ServiceID)) break;
          if (e.kind === 'delete') {
            this.restarts.cancel(t.ID);
            if (isRunnable(t)) this.dirty.add(t.ServiceID);
          } else if (isRunnable(t)) {
            if (hasTerminated(t)) this.restartIds.add(t.ID);
          } else if (e.old && isRunnable(e.old)) this.dirty.add(t.ServiceID);
          break;
        }
      }
    }
  }

  hasWork(): boolean {
    return this.dirty.size + this.dirtyNodes.size + this.restartIds.size + this.deleted.size > 0;
  }

  async flush(): Promise<void> {
    const { dirty, dirtyNodes, restartIds, deleted } = this;
    this.dirty = new Set();
    this.dirtyNodes = new Set();
    this.restartIds = new Set();
    this.deleted = new Set();
    const cluster = this.cluster;
    const ts = isoNow(this.clock);
    const create = (tag: string, svc: SService, nodeIds: readonly string[]) =>
      createTasks(tagged, tag, nodeIds, (tx, nodeId) =>
        tx.tasks.create(newTask(cluster, svc, nodeId, this.clock, this.rng, { timestamp: ts })),
      );
    const shutdown = (tag: string, tasks: readonly STask[]) => {
      for (const t of tasks) tagged.update(tag, (tx) => setDesired(tx, t.ID, 'shutdown'));
    };
    const remove = (tag: string, tasks: readonly STask[]) => {
      for (const t of tasks) tagged.update(tag, (tx) => setDesired(tx, t.ID, 'remove'));
    };
    let tagged!: TaggedBatch<string>;
    const r = await this.restarts.batch((b) => {
      tagged = new TaggedBatch<string>(b);
      for (const id of deleted) retireServiceTasks(tagged, id);
      for (const id of restartIds) tagged.update(`r${id}`, (tx) => this.restartOne(tx, cluster, id));
      for (const id of dirty) {
        const p = tagged.read((tx) => {
          const svc = tx.services.get(id);
          if (!isMine(svc)) return undefined;
          const occ = (slot: readonly STask[]) => this.restarts.updatableTasksInSlot(slot, svc);
          return { svc, ...planGlobal(svc, tx.tasks.byService(id), tx.nodes.all(), occ) };
        });
        if (!p) continue;
        create(`s${id}`, p.svc, p.create);
        shutdown(`s${id}`, p.shutdown);
        remove(`s${id}`, p.remove);
      }
      for (const nodeId of dirtyNodes) {
        const plans = tagged.read((tx) => {
          const node = tx.nodes.get(nodeId);
          const out: Array<{ svc: SService } & NodePlan> = [];
          for (const id of this.services) {
            const svc = tx.services.get(id);
            if (!isMine(svc)) continue;
            const occ = (slot: readonly STask[]) => this.restarts.updatableTasksInSlot(slot, svc);
            const dirtyTask = (t: STask) => isTaskDirty(svc, t, node);
            out.push({
              svc,
              ...planGlobalNode(svc, node, tx.tasks.byServiceNode(id, nodeId), occ, dirtyTask),
            });
          }
          return out;
        });
        for (const p of plans) {
          if (p.create) create(`n${nodeId}`, p.svc, [nodeId]);
          shutdown(`n${nodeId}`, p.shutdown);
          remove(`n${nodeId}`, p.remove);
        }
      }
    });
    logBatch(this.log, 'global reconcile', r);
    for (const tag of tagged.conflicts(r)) {
      const set = { r: this.restartIds, s: this.dirty, n: this.dirtyNodes, x: this.deleted }[tag[0] as 'r'];
      set?.add(tag.slice(1));
    }
    this.rollingUpdates(dirty, cluster);
  }

  /** A stopped task: restarted on its node, or shut down if the node no longer takes it. */
  private restartOne(tx: WriteTx, cluster: SCluster | undefined, id: string): void {
    const t = tx.tasks.get(id);
    const svc = t && tx.services.get(t.ServiceID);
    if (!t || !isMine(svc) || !isRunnable(t) || !t.NodeID) return;
    const fit = nodeFit(tx.nodes.get(t.NodeID), serviceConstraints(svc));
    if (fit === 'invalid') return; // the node's reconcile shuts it down
    if (fit === 'eligible' || fit === 'not-ready') this.restarts.restart(tx, cluster, svc, t);
    else setDesired(tx, t.ID, 'shutdown');
  }

  private rollingUpdates(ids: Set<string>, cluster: SCluster | undefined): void {
    const work = this.store.view((tx) => {
      const out: Array<[SService, STask[][]]> = [];
      for (const id of ids) {
        const svc = tx.services.get(id);
        if (!isMine(svc)) continue;
        const occ = (slot: readonly STask[]) => this.restarts.updatableTasksInSlot(slot, svc);
        out.push([svc, planGlobal(svc, tx.tasks.byService(id), tx.nodes.all(), occ).keep]);
      }
      return out;
    });
    for (const [svc, keep] of work) this.updates.update(cluster, svc, keep);
  }
}

function setDesired(tx: WriteTx, id: string, state: 'shutdown' | 'remove'): void {
  const t = tx.tasks.get(id);
  if (t && rank(t.DesiredState) < rank(state)) tx.tasks.update(t, { DesiredState: state });
}
