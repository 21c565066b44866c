/**
 * The constraint enforcer (leader only): when a node changes (labels, availability,
 * role, resources, engine labels), the tasks on it that no longer belong there
 * (check.ts) get desired state SHUTDOWN; the orchestrators see a wanted task go and
 * replace it elsewhere (replicated, jobs) or not at all (global: the node does not
 * qualify). swarmkit marks such tasks REJECTED instead, but task status past ASSIGNED is
 * the dispatcher's to write here, and desired state the orchestrators'.
 */
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import type { ReadTx } from '../../../store/tables/index.ts';
import type { StoreEvent } from '../../../store/types.ts';
import { deepEqual } from '../equal.ts';
import { logBatch, type OrchestratorDeps, ReconcileLoop } from '../loop.ts';
import { rank } from '../task.ts';
import { noncompliantTasks } from './check.ts';

export class ConstraintEnforcer {
  readonly filter = { tables: ['nodes'] as const, kinds: ['update'] as const };
  private readonly store: MemoryStore;
  private readonly log: Logger;
  private readonly loop: ReconcileLoop;
  private dirty = new Set<string>();

  constructor(deps: OrchestratorDeps) {
    this.store = deps.store;
    this.log = (deps.logger ?? nullLogger).child({ component: 'constraintenforcer' });
    this.loop = new ReconcileLoop('constraint enforcer', this.store, this, this.log);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  init(tx: ReadTx): void {
    for (const n of tx.nodes.all()) this.dirty.add(n.ID);
  }

  onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table !== 'nodes' || e.kind !== 'update') continue;
      const { object: n, old } = e;
      // Only what placement depends on; heartbeats and status changes are not its business.
      const same =
        old !== undefined &&
        deepEqual(old.Spec, n.Spec) &&
        deepEqual(old.Description?.Resources, n.Description?.Resources) &&
        deepEqual(old.Description?.Engine?.Labels, n.Description?.Engine?.Labels) &&
        deepEqual(old.Description?.Platform, n.Description?.Platform) &&
        deepEqual(old.Description?.Hostname, n.Description?.Hostname) &&
        old.Status.Addr === n.Status.Addr;
      if (!same) this.dirty.add(n.ID);
    }
  }

  hasWork(): boolean {
    return this.dirty.size > 0;
  }

  async flush(): Promise<void> {
    const ids = this.dirty;
    this.dirty = new Set();
    const doomed = this.store.view((tx) =>
      [...ids].flatMap((id) => {
        const node = tx.nodes.get(id);
        return node ? noncompliantTasks(node, tx.tasks.byNode(id), (s) => tx.services.get(s)) : [];
      }),
    );
    if (doomed.length === 0) return;
    const again = new Set<string>();
    const r = await this.store.batch((b) => {
      for (const t of doomed)
        b.update((tx) => {
          const cur = tx.tasks.get(t.ID);
          if (!cur || rank(cur.DesiredState) > rank('complete')) return;
          tx.tasks.update(cur, { DesiredState: 'shutdown' });
        });
    });
    for (const f of r.failed)
      if (f.error.code === 'conflict' && doomed[f.tx]?.NodeID) again.add(doomed[f.tx]?.NodeID ?? '');
    for (const id of again) this.dirty.add(id);
    logBatch(this.log, 'constraint enforcer', r);
    if (doomed.length > 0)
      this.log.info(
        { tasks: doomed.length },
        'tasks shut down: their node no longer meets their constraints',
      );
  }
}
