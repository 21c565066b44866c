/**
 * Which tasks on a node no longer belong there (pure), after swarmkit's constraint
 * enforcer. Only tasks wanted on the node (desired READY..COMPLETE) are considered:
 *
 *   drain        every one of them (the orchestrators replace them elsewhere)
 *   pause        none (paused nodes keep what they run)
 *   active       those whose placement constraints the node no longer satisfies (the
 *                service's current constraints: a task spec may be older), then, in
 *                creation order, those whose reservations (CPU, memory, generic resources
 *                assigned to them) no longer fit in what the node reports
 */
import type { Node } from '../../../api/node.ts';
import type { GenericResource } from '../../../api/task-spec.ts';
import { nodeMatchesConstraints, parseConstraints } from '../../../api/validate/constraint.ts';
import { byCreation, rank, type SNode, type SService, type STask } from '../task.ts';

const considered = (t: STask): boolean =>
  rank(t.DesiredState) >= rank('assigned') && rank(t.DesiredState) <= rank('complete');

export function noncompliantTasks(
  node: SNode,
  tasks: readonly STask[],
  serviceOf: (id: string) => SService | undefined,
): STask[] {
  const mine = tasks.filter(considered).sort(byCreation);
  if (node.Spec.Availability === 'drain') return mine;
  if (node.Spec.Availability !== 'active') return [];
  const res = node.Description?.Resources;
  let cpu = res?.NanoCPUs ?? 0;
  let mem = res?.MemoryBytes ?? 0;
  const generic = genericPool(res?.GenericResources ?? []);
  const out: STask[] = [];
  for (const t of mine) {
    const placement = serviceOf(t.ServiceID)?.Spec.TaskTemplate.Placement ?? t.Spec.Placement;
    const exprs = placement?.Constraints;
    if (exprs && exprs.length > 0) {
      const parsed = parseConstraints(exprs);
      if (parsed.ok && !nodeMatchesConstraints(parsed.constraints, node as Node)) {
        out.push(t);
        continue;
      }
    }
    const r = t.Spec.Resources?.Reservations;
    if (!r) continue;
    const needCpu = r.NanoCPUs ?? 0;
    const needMem = r.MemoryBytes ?? 0;
    if (needMem > mem || needCpu > cpu || !claim(generic, t.AssignedGenericResources ?? [])) {
      out.push(t);
      continue;
    }
    mem -= needMem;
    cpu -= needCpu;
  }
  return out;
}

/** What a node offers: discrete kinds by amount, named kinds by their values. */
interface Pool {
  discrete: Map<string, number>;
  named: Map<string, Set<string>>;
}

function genericPool(rs: ReadonlyArray<Readonly<GenericResource>>): Pool {
  const pool: Pool = { discrete: new Map(), named: new Map() };
  for (const r of rs) {
    if (r.DiscreteResourceSpec) {
      const { Kind, Value } = r.DiscreteResourceSpec;
      pool.discrete.set(Kind, (pool.discrete.get(Kind) ?? 0) + Value);
    } else if (r.NamedResourceSpec) {
      const { Kind, Value } = r.NamedResourceSpec;
      const s = pool.named.get(Kind) ?? new Set<string>();
      s.add(Value);
      pool.named.set(Kind, s);
    }
  }
  return pool;
}

/** Takes a task's assigned generic resources out of the pool; false if they are not all there. */
function claim(pool: Pool, assigned: ReadonlyArray<Readonly<GenericResource>>): boolean {
  for (const a of assigned) {
    if (a.DiscreteResourceSpec) {
      const { Kind, Value } = a.DiscreteResourceSpec;
      const have = pool.discrete.get(Kind) ?? 0;
      if (have < Value) return false;
      pool.discrete.set(Kind, have - Value);
    } else if (a.NamedResourceSpec) {
      const { Kind, Value } = a.NamedResourceSpec;
      const s = pool.named.get(Kind);
      if (!s?.has(Value)) return false;
      s.delete(Value);
    }
  }
  return true;
}
