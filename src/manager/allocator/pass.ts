/**
 * One pass of the allocator, before its batch: give back what removed and finished objects
 * held, then decide every dirty object over one read of the store, in dependency order
 * (networks, ingress first; then services; then tasks, whose service must be allocated in
 * the store first), and turn the outcomes into bookkeeping (who waits for what, who is
 * blocked and why) and writes. Blocked tasks are logged once per pass, not once each:
 * a blocked service can hold back thousands.
 */
import type { Logger } from '../../base/logger.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import { decideNetwork, decideService, decideTask, type Outcome } from './decide.ts';
import { type AllocationState, wake } from './state.ts';
import type { Kind, Work } from './work.ts';
import { PendingWrite } from './writes.ts';

export interface PassContext {
  readonly state: AllocationState;
  readonly work: Work;
  readonly log: Logger;
}

/** Removed networks, services and tasks, and finished tasks, give back what they held. */
export function releaseGone({ state, work }: PassContext): void {
  // (an id may be gone and dirty: removed and created again; the decision reads the store)
  const { gone, dirty } = work;
  const wakes: string[] = [];
  for (const id of gone.task) {
    wakes.push(...state.releaseTask(id));
    work.settle('task', id);
  }
  for (const id of gone.service) {
    wakes.push(...state.releaseService(id), wake.service(id));
    work.settle('service', id);
  }
  for (const id of gone.network) {
    wakes.push(...state.releaseNetwork(id), wake.network(id));
    work.settle('network', id);
    for (const [sid, rec] of state.services)
      if (rec.vips.some((v) => v.networkId === id)) dirty.service.add(sid);
  }
  gone.task.clear();
  gone.service.clear();
  gone.network.clear();
  if (work.clusterChanged) {
    work.clusterChanged = false;
    wakes.push(wake.subnets);
  }
  work.wake(wakes);
}

export function decideAll(ctx: PassContext, tx: ReadTx, now: string): PendingWrite[] {
  const { work, state: st } = ctx;
  const { dirty, problems } = work;
  const writes: PendingWrite[] = [];
  const blockedTasks = { count: 0, first: '' };
  const take = (kind: Kind) => {
    const ids = [...dirty[kind]];
    dirty[kind].clear();
    return ids;
  };
  const cluster = tx.clusters.current();
  const nameOf = (id: string) => tx.networks.get(id)?.Spec.Name ?? id;
  const nets = take('network')
    .map((id) => tx.networks.get(id))
    .filter((n) => n !== undefined)
    .sort((a, b) => Number(!!b.Spec.Ingress) - Number(!!a.Spec.Ingress));
  for (const n of nets) {
    const w = settleOutcome(ctx, 'network', n, decideNetwork(st, n, cluster, nameOf));
    if (w) writes.push(w);
  }
  for (const id of take('service')) {
    const s = tx.services.get(id);
    if (!s) continue;
    const before = st.serviceStatus.get(id)?.kind;
    const out = decideService(st, tx, s, problems.network);
    st.serviceStatus.set(
      id,
      out.kind === 'ok'
        ? { kind: 'ok' }
        : out.kind === 'blocked'
          ? { kind: 'blocked', reason: out.reason }
          : { kind: 'pending' },
    );
    if ((out.kind === 'ok' && before !== 'ok') || out.kind === 'blocked') work.wake([wake.service(id)]);
    const w = settleOutcome(ctx, 'service', s, out);
    if (w) writes.push(w);
  }
  for (const id of take('task')) {
    const t = tx.tasks.get(id);
    if (!t) continue;
    const out = decideTask(st, tx, t, problems.network, now);
    const w = settleOutcome(ctx, 'task', t, out, blockedTasks);
    if (w) writes.push(w);
    else if (out.kind === 'blocked') {
      const err = PendingWrite.blockedTask(t, out.reason, now);
      if (err) writes.push(err);
    }
  }
  if (blockedTasks.count > 0) {
    const first = blockedTasks.first;
    ctx.log.warn(
      { tasks: blockedTasks.count },
      `allocator: ${blockedTasks.count} task(s) cannot be allocated now (first: task ${first}: ${work.problems.task.get(first)})`,
    );
  }
  return writes;
}

/** Bookkeeping for one outcome; the write to make, if any. */
function settleOutcome<F extends object>(
  { work, log }: PassContext,
  kind: Kind,
  obj: ConstructorParameters<typeof PendingWrite>[1],
  out: Outcome<F>,
  blockedTasks?: { count: number; first: string },
): PendingWrite | undefined {
  const id = obj.ID;
  switch (out.kind) {
    case 'ok':
      work.settle(kind, id);
      if (out.wakes?.length) work.wake(out.wakes);
      return undefined;
    case 'wait':
      work.problems[kind].delete(id);
      work.wait(kind, id, out.on);
      return undefined;
    case 'blocked': {
      const prev = work.problems[kind].get(id);
      if (prev !== out.reason) {
        if (!blockedTasks) log.warn({ [kind]: id }, `allocator: ${kind} ${id}: ${out.reason}`);
        else if (blockedTasks.count++ === 0) blockedTasks.first = id;
      }
      work.problems[kind].set(id, out.reason);
      work.wait(kind, id, out.on);
      return undefined;
    }
    case 'write':
      work.problems[kind].delete(id);
      return new PendingWrite(kind, obj, out.fields, out.commit);
  }
}
