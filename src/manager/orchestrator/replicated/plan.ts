/**
 * The replicated orchestrator's decision for one service, as a pure function of its tasks:
 *
 *   slots = tasks grouped by Slot, each reduced to the tasks that keep it occupied
 *           (restart supervisor's updatableTasksInSlot)
 *   want > have   create tasks in the lowest free slots (1, 2, …; a freed slot is reused)
 *   want < have   remove whole slots (desired REMOVE; the reaper deletes them once
 *                 stopped), choosing first slots not yet running, then the busiest nodes
 *                 (the task that is the Nth of this service on its node, highest N first),
 *                 then the highest slot numbers
 *   the kept slots go to the update supervisor, which replaces the outdated ones
 */
import { replicas } from '../../../api/service.ts';
import { groupBySlot, rank, type Slot, type SService, type STask } from '../task.ts';

export interface ReplicatedPlan {
  /** Slot numbers to create a task in. */
  create: number[];
  /** Tasks whose desired state becomes REMOVE. */
  remove: STask[];
  /** The occupied slots kept (for the rolling update), in slot order. */
  keep: Slot[];
}

export function planReplicated(
  service: SService,
  tasks: readonly STask[],
  occupying: (slot: readonly STask[]) => STask[],
): ReplicatedPlan {
  const occupied = new Map<number, Slot>();
  for (const [n, slot] of groupBySlot(tasks)) {
    const live = occupying(slot);
    if (live.length > 0) occupied.set(n, live);
  }
  const want = replicas(service.Spec);
  const have = occupied.size;
  const numbers = [...occupied.keys()].sort((a, b) => a - b);
  if (want >= have) {
    const create: number[] = [];
    for (let n = 1; create.length < want - have; n++) if (!occupied.has(n)) create.push(n);
    return { create, remove: [], keep: numbers.map((n) => occupied.get(n) as Slot) };
  }
  const doomed = removalOrder(occupied).slice(0, have - want);
  const gone = new Set(doomed);
  const remove: STask[] = [];
  for (const n of doomed)
    for (const t of occupied.get(n) as Slot) if (rank(t.DesiredState) < rank('remove')) remove.push(t);
  return {
    create: [],
    remove,
    keep: numbers.filter((n) => !gone.has(n)).map((n) => occupied.get(n) as Slot),
  };
}

interface Candidate {
  slot: number;
  running: boolean;
  /** This slot's task is the ordinal-th of the service on its node (Infinity: no single node). */
  ordinal: number;
}

/** Slot numbers, the first to remove first. */
export function removalOrder(occupied: ReadonlyMap<number, Slot>): number[] {
  const cands: Candidate[] = [];
  for (const [slot, tasks] of occupied) {
    const running = tasks.some((t) => t.Status.State === 'running');
    cands.push({ slot, running, ordinal: Number.POSITIVE_INFINITY });
  }
  // Ordinals per node, counting running tasks first so a node keeps its running ones.
  const perNode = new Map<string, number>();
  const byRunning = [...cands].sort((a, b) => Number(b.running) - Number(a.running) || a.slot - b.slot);
  for (const c of byRunning) {
    const tasks = occupied.get(c.slot) as Slot;
    const node = tasks.length === 1 ? tasks[0]?.NodeID : undefined;
    if (!node) continue;
    const k = (perNode.get(node) ?? 0) + 1;
    perNode.set(node, k);
    c.ordinal = k;
  }
  cands.sort((a, b) => Number(a.running) - Number(b.running) || b.ordinal - a.ordinal || b.slot - a.slot);
  return cands.map((c) => c.slot);
}
