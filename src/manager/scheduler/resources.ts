/**
 * What a node can still give: CPU and memory as numbers, generic resources (GPUs, FPGAs…)
 * as swarmkit models them. A node advertises a kind either as a count (discrete, e.g.
 * `ssd=2`) or as named instances (e.g. `gpu=GPU-0`, `gpu=GPU-1`); a task reserves a count
 * of a kind. Claiming named instances picks specific ones, which the decision carries so
 * the agent can hand the right devices to the container (Task.AssignedGenericResources).
 */
import type { GenericResource, Node } from '../../api/index.ts';

export interface Available {
  nanoCPUs: number;
  memoryBytes: number;
  /** Discrete kinds: count left. */
  readonly discrete: Map<string, number>;
  /** Named kinds: instances left, in the node's order. */
  readonly named: Map<string, Set<string>>;
}

/** Everything the node advertises, before any task takes its share. */
export function capacityOf(node: Node): Available {
  const r = node.Description?.Resources;
  const a: Available = {
    nanoCPUs: r?.NanoCPUs ?? 0,
    memoryBytes: r?.MemoryBytes ?? 0,
    discrete: new Map(),
    named: new Map(),
  };
  for (const g of r?.GenericResources ?? []) {
    if (g.DiscreteResourceSpec) {
      const { Kind, Value } = g.DiscreteResourceSpec;
      a.discrete.set(Kind, (a.discrete.get(Kind) ?? 0) + Value);
    } else if (g.NamedResourceSpec) {
      const { Kind, Value } = g.NamedResourceSpec;
      let set = a.named.get(Kind);
      if (!set) {
        set = new Set();
        a.named.set(Kind, set);
      }
      set.add(Value);
    }
  }
  return a;
}

const NO_ASK: ReadonlyMap<string, number> = new Map();

/** A task's generic reservation as kind -> count (tasks reserve discrete counts only). */
export function genericAsk(
  reservations: readonly GenericResource[] | undefined,
): ReadonlyMap<string, number> {
  if (reservations === undefined || reservations.length === 0) return NO_ASK;
  const ask = new Map<string, number>();
  for (const g of reservations) {
    const d = g.DiscreteResourceSpec;
    if (d && d.Value > 0) ask.set(d.Kind, (ask.get(d.Kind) ?? 0) + d.Value);
  }
  return ask;
}

/** Can the node give `count` of `kind` right now? */
export function hasEnough(a: Available, kind: string, count: number): boolean {
  const named = a.named.get(kind);
  if (named !== undefined && named.size > 0) return named.size >= count;
  return (a.discrete.get(kind) ?? 0) >= count;
}

/** Takes the ask from the node (the caller has checked hasEnough) and says what was taken. */
export function claim(a: Available, ask: ReadonlyMap<string, number>): GenericResource[] {
  const taken: GenericResource[] = [];
  for (const [kind, count] of ask) {
    const named = a.named.get(kind);
    if (named !== undefined && named.size > 0) {
      let left = count;
      for (const value of named) {
        if (left-- === 0) break;
        named.delete(value);
        taken.push({ NamedResourceSpec: { Kind: kind, Value: value } });
      }
    } else {
      a.discrete.set(kind, (a.discrete.get(kind) ?? 0) - count);
      taken.push({ DiscreteResourceSpec: { Kind: kind, Value: count } });
    }
  }
  return taken;
}

/** Takes exactly what a task already holds (a task read back from the store). */
export function claimExact(a: Available, held: readonly GenericResource[]): void {
  for (const g of held) {
    if (g.NamedResourceSpec) a.named.get(g.NamedResourceSpec.Kind)?.delete(g.NamedResourceSpec.Value);
    else if (g.DiscreteResourceSpec) {
      const { Kind, Value } = g.DiscreteResourceSpec;
      a.discrete.set(Kind, (a.discrete.get(Kind) ?? 0) - Value);
    }
  }
}

/** Gives back what a task held; named instances the node no longer has stay gone. */
export function release(a: Available, held: readonly GenericResource[], capacity: Available): void {
  for (const g of held) {
    if (g.NamedResourceSpec) {
      const { Kind, Value } = g.NamedResourceSpec;
      if (capacity.named.get(Kind)?.has(Value)) a.named.get(Kind)?.add(Value);
    } else if (g.DiscreteResourceSpec) {
      const { Kind, Value } = g.DiscreteResourceSpec;
      a.discrete.set(Kind, (a.discrete.get(Kind) ?? 0) + Value);
    }
  }
}
