/**
 * A stand-in for the orchestrators in the HTTP tests: whenever a service changes, its
 * replicated (or global, on the one local node) slots get a RUNNING task made from the
 * current spec, and tasks that are outdated (controlapi's isTaskUpToDate) or beyond the replica count are shut down; a
 * removed service's tasks go. Enough for `docker service ps/ls/scale/update` to see what
 * they expect without the real orchestrator, allocator, scheduler and agent.
 */
import { newId } from '../../api/ids.ts';
import { isJob, serviceMode } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import type { Clock } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { isTaskUpToDate } from '../../manager/controlapi/index.ts';
import type { MemoryStore, NewObject, WriteTx } from '../../store/index.ts';

function reconcile(tx: WriteTx, serviceId: string, nodeId: string, rng: Rng, now: string): void {
  const svc = tx.services.get(serviceId);
  const tasks = tx.tasks.byService(serviceId);
  if (svc === undefined) {
    for (const t of tasks) tx.tasks.delete(t.ID);
    return;
  }
  if (isJob(svc.Spec)) return;
  const want = serviceMode(svc.Spec) === 'global' ? 1 : (svc.Spec.Mode?.Replicated?.Replicas ?? 1);
  const version = svc.SpecVersion?.Index ?? 0;
  const kept = new Set<number>();
  for (const t of tasks) {
    if (t.DesiredState !== 'running') continue;
    const slot = t.Slot ?? 1;
    const current = isTaskUpToDate(svc, t) && slot <= want && !kept.has(slot);
    if (current) {
      kept.add(slot);
      continue;
    }
    tx.tasks.update({
      ...t,
      DesiredState: 'shutdown',
      Status: { ...t.Status, State: 'shutdown', Timestamp: now, Message: 'shutdown' },
    });
  }
  for (let slot = 1; slot <= want; slot++) {
    if (kept.has(slot)) continue;
    const id = newId(rng);
    const task: NewObject<Task> = {
      ID: id,
      ServiceID: svc.ID,
      Slot: slot,
      NodeID: nodeId,
      Spec: svc.Spec.TaskTemplate,
      SpecVersion: { Index: version },
      ServiceAnnotations: { Name: svc.Spec.Name, Labels: svc.Spec.Labels ?? {} },
      DesiredState: 'running',
      Status: {
        State: 'running',
        Timestamp: now,
        Message: 'started',
        ContainerStatus: { ContainerID: id.repeat(3).slice(0, 64), PID: 1000 + slot, ExitCode: 0 },
      },
    };
    tx.tasks.create(task);
  }
}

/** Starts reconciling on every service change; returns the stop function. */
export function runFakeTasks(store: MemoryStore, clock: Clock, rng: Rng, nodeId: () => string): () => void {
  let stopped = false;
  const unsubscribe = store.subscribe(
    (events) => {
      const ids = [...new Set(events.map((e) => e.object.ID))];
      // The store applies writes after the delivery of this entry is over.
      queueMicrotask(() => {
        if (stopped) return;
        const now = new Date(clock.wallNow()).toISOString();
        store
          .update((tx) => {
            for (const id of ids) reconcile(tx, id, nodeId(), rng, now);
          })
          .catch(() => undefined); // a concurrent change: the next event reconciles again
      });
    },
    { tables: ['services'] },
  );
  return () => {
    stopped = true;
    unsubscribe();
  };
}
