/**
 * The jobs orchestrator: replicated-job and global-job services (leader only), one
 * orchestrator for both as in swarmkit. A job service is reconciled when it changes, when
 * one of its tasks ends, is shut down or deleted, and (global jobs) when nodes change;
 * each pass is one batch: JobStatus (if a new iteration starts), new tasks (desired
 * COMPLETE), restarts of failed ones (restart supervisor, same slot or node), REMOVE for
 * older iterations, SHUTDOWN where a node no longer takes its task.
 */
import { isJob, serviceMode } from '../../../api/service.ts';
import type { Clock } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { Rng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx, WriteTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { createTasks, NodeHealth, retireServiceTasks, TaggedBatch } from '../common.ts';
import { logBatch, type OrchestratorDeps, ReconcileLoop } from '../loop.ts';
import { RestartSupervisor } from '../restart/supervisor.ts';
import { isoNow, newTask, rank, type SCluster, type SService, type STask } from '../task.ts';
import { type JobPlan, jobIteration, planGlobalJob, planReplicatedJob } from './plan.ts';

const mine = (s: SService): boolean => isJob(s.Spec);
const isMine = (s: SService | undefined): s is SService => s !== undefined && mine(s);

export class JobsOrchestrator {
  readonly restarts: RestartSupervisor;
  readonly filter = { tables: ['clusters', 'nodes', 'services', 'tasks'] as const };
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly loop: ReconcileLoop;
  private cluster: SCluster | undefined;
  /** Job services by id -> true for global jobs. */
  private readonly services = new Map<string, boolean>();
  private readonly nodes = new NodeHealth();
  private dirty = new Set<string>();
  private deleted = new Set<string>();

  constructor(deps: OrchestratorDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.rng = deps.rng;
    this.log = (deps.logger ?? nullLogger).child({ component: 'orchestrator/jobs' });
    this.restarts = new RestartSupervisor(deps);
    this.loop = new ReconcileLoop('jobs orchestrator', this.store, this, this.log);
  }

  start(): void {
    this.restarts.start();
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.restarts.stop();
  }

  init(tx: ReadTx): void {
    this.cluster = tx.clusters.current();
    for (const n of tx.nodes.all()) this.nodes.apply({ kind: 'create', table: 'nodes', object: n, index: 0 });
    for (const s of tx.services.all()) {
      if (!mine(s)) continue;
      this.services.set(s.ID, serviceMode(s.Spec) === 'global-job');
      this.dirty.add(s.ID);
    }
    this.restarts.initFromStore(tx, mine);
  }

  onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      switch (e.table) {
        case 'clusters':
          if (e.object.Spec.Name === 'default') this.cluster = e.kind === 'delete' ? undefined : e.object;
          break;
        case 'nodes': {
          const lost = this.nodes.apply(e);
          for (const [id, global] of this.services) if (global) this.dirty.add(id);
          if (lost)
            for (const t of this.store.view((tx) => tx.tasks.byNode(e.object.ID))) this.touch(t.ServiceID);
          break;
        }
        case 'services': {
          const s = e.object;
          if (e.kind === 'delete') {
            if (!this.services.delete(s.ID) && !mine(s)) break;
            this.deleted.add(s.ID);
            this.dirty.delete(s.ID);
            this.restarts.clearServiceHistory(s.ID);
          } else if (mine(s)) {
            this.services.set(s.ID, serviceMode(s.Spec) === 'global-job');
            this.dirty.add(s.ID);
          } else this.services.delete(s.ID);
          break;
        }
        case 'tasks': {
          const t = e.object;
          if (e.kind === 'delete') this.restarts.cancel(t.ID);
          const old = e.old;
          const ended =
            rank(t.Status.State) > rank('running') && (!old || rank(old.Status.State) <= rank('running'));
          if (e.kind !== 'update' || ended || old?.DesiredState !== t.DesiredState) this.touch(t.ServiceID);
          break;
        }
      }
    }
  }

  hasWork(): boolean {
    return this.dirty.size + this.deleted.size > 0;
  }

  async flush(): Promise<void> {
    const { dirty, deleted } = this;
    this.dirty = new Set();
    this.deleted = new Set();
    const cluster = this.cluster;
    const now = isoNow(this.clock);
    let tagged!: TaggedBatch<string>;
    const r = await this.restarts.batch((b) => {
      tagged = new TaggedBatch<string>(b);
      for (const id of deleted) retireServiceTasks(tagged, id);
      for (const id of dirty) {
        const p = tagged.read((tx) => this.plan(tx, id, now));
        if (p) this.write(tagged, cluster, id, p, now);
      }
    });
    logBatch(this.log, 'jobs reconcile', r);
    for (const tag of tagged.conflicts(r)) (tag[0] === 'x' ? this.deleted : this.dirty).add(tag.slice(1));
  }

  private plan(tx: ReadTx, id: string, now: string): (JobPlan & { svc: SService }) | undefined {
    const svc = tx.services.get(id);
    if (!isMine(svc)) return undefined;
    const tasks = tx.tasks.byService(id);
    const { iteration, jobStatus } = jobIteration(svc, tasks, now);
    const should = (t: STask) => this.restarts.shouldRestart(t, svc);
    const plan =
      serviceMode(svc.Spec) === 'global-job'
        ? planGlobalJob(
            svc,
            tasks,
            tx.nodes.all(),
            iteration,
            (jobStatus ?? svc.JobStatus)?.LastExecution ?? svc.CreatedAt,
            should,
          )
        : planReplicatedJob(svc, tasks, iteration, should, (n) => this.nodes.valid(n));
    return { ...plan, ...(jobStatus && { jobStatus }), svc };
  }

  private write(
    b: TaggedBatch<string>,
    cluster: SCluster | undefined,
    id: string,
    p: JobPlan & { svc: SService },
    now: string,
  ): void {
    const tag = `s${id}`;
    const jobStatus = p.jobStatus;
    if (jobStatus)
      b.update(tag, (tx) => {
        const s = tx.services.get(id);
        if (s) tx.services.update(s, { JobStatus: jobStatus });
      });
    createTasks(b, tag, p.create, (tx, where) => {
      const s = tx.services.get(id);
      if (s)
        tx.tasks.create(
          newTask(cluster, s, where, this.clock, this.rng, { jobIteration: p.iteration, timestamp: now }),
        );
    });
    for (const t of p.restart)
      b.update(tag, (tx) => {
        const cur = tx.tasks.get(t.ID);
        const s = tx.services.get(id);
        if (cur && s && rank(cur.DesiredState) <= rank('complete'))
          this.restarts.restart(tx, cluster, s, cur);
      });
    for (const t of p.remove) b.update(tag, (tx) => setDesired(tx, t.ID, 'remove'));
    for (const t of p.shutdown) b.update(tag, (tx) => setDesired(tx, t.ID, 'shutdown'));
  }

  private touch(serviceId: string): void {
    if (this.services.has(serviceId)) this.dirty.add(serviceId);
  }
}

function setDesired(tx: WriteTx, id: string, state: 'remove' | 'shutdown'): void {
  const t = tx.tasks.get(id);
  if (t && rank(t.DesiredState) < rank(state)) tx.tasks.update(t, { DesiredState: state });
}
