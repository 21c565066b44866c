/**
 * The Wing & Gong search with Lowe's memoization (WGL), on one partition of a history.
 *
 * The history becomes a doubly linked list of call and return events in time order; a
 * pending operation has a call and no return (it may take effect at any time after its
 * call, or never). The search walks the list from the head: a call whose operation the model
 * accepts in the current state is "lifted" (its call and return unlinked, dancing-links
 * style), pushed on a stack, and the walk restarts from the head. Reaching a return means
 * the operation returning there must already have taken effect, so nothing fits here: the
 * search backtracks, popping and relinking the last lifted operation and trying the next
 * call after it. Configurations already explored, or dominated by an explored one
 * (linearizability-memo.ts), are skipped, and of interchangeable pending operations
 * (Model.interchangeable) only the last-called candidate is tried. The search succeeds once
 * every completed operation is lifted; pending ones still in the list never took effect.
 */
import type { Node } from './linearizability-events.ts';
import { buildLists, lift, unlift } from './linearizability-events.ts';
import { HashedOpSet, MemoTable, OpSet } from './linearizability-memo.ts';
import type { Model, Operation } from './linearizability-types.ts';

/** Steps and time shared by all partitions of one check. */
export interface Budget {
  steps: number;
  readonly maxSteps: number;
  /** performance.now() deadline, or Infinity. */
  readonly deadline: number;
}

/** A frame of the backtracking stack. Frames form a persistent list, so keeping the best
 * one keeps the whole longest prefix for free. */
export interface Frame<S> {
  /** Index in the searched operations. */
  readonly op: number;
  readonly before: S;
  readonly after: S;
  readonly parent: Frame<S> | null;
  /** Operations in the prefix ending here, and how many of them completed. */
  readonly depth: number;
  readonly completed: number;
  /** Highest completed index in the prefix, -1 if none. */
  readonly hi: number;
  readonly node: Node;
}

export type SearchOutcome<S> =
  | { readonly kind: 'ok' }
  | { readonly kind: 'violation'; readonly best: Frame<S> | null }
  | { readonly kind: 'budget' };

/** The more completed operations the better; then the fewer pending ones. */
function better<S>(a: Frame<S>, b: Frame<S> | null): boolean {
  return b === null || a.completed > b.completed || (a.completed === b.completed && a.depth < b.depth);
}

export interface SearchOptions {
  /** Skip configurations dominated by a recorded one (see linearizability-memo.ts). */
  readonly dominance: boolean;
  /** Give up (kind 'budget') once budget.steps exceeds this. */
  readonly stopAt: number;
}

/** Searches for a linearization of `ops`; spends `budget.steps`. */
export function searchPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  budget: Budget,
  options: SearchOptions,
): SearchOutcome<S> {
  const classes = model.interchangeable?.(ops) ?? [];
  const { head, calls, rets, nc, np } = buildLists(ops, classes);
  let remaining = nc;
  if (remaining === 0) return { kind: 'ok' };

  const doneSet = new HashedOpSet(nc);
  const pendSet = new OpSet(np);
  const memo = new MemoTable<S>(model.key?.bind(model), model.equal?.bind(model), options.dominance);
  const stopAt = Math.min(options.stopAt, budget.maxSteps);
  let state = model.init();
  let top = null as Frame<S> | null;
  let best: Frame<S> | null = null;
  let entry: Node | null = head.next;
  for (;;) {
    if (entry === null || !entry.isCall) {
      // A return: the operation returning here is not placed yet. Backtrack.
      if (top === null) return { kind: 'violation', best };
      const f: Frame<S> = top;
      top = f.parent;
      unlift(f.node);
      if (f.node.pending) {
        pendSet.toggle(f.node.idx);
      } else {
        doneSet.toggle(f.node.idx);
        remaining++;
      }
      state = f.before;
      entry = f.node.next;
      continue;
    }
    const cur: Node = entry;
    // Of interchangeable pending operations that are candidates, try only the last called.
    if (cur.pending && cur.anext !== null && cur.anext.pos < (rets.anext as Node).pos) {
      entry = cur.next;
      continue;
    }
    budget.steps++;
    if (budget.steps > stopAt) return { kind: 'budget' };
    if ((budget.steps & 1023) === 0 && performance.now() > budget.deadline) return { kind: 'budget' };
    const op = ops[cur.op] as Operation<I, O>;
    const r = model.step(state, op.input, cur.pending ? undefined : op.output);
    if (!r.ok) {
      entry = cur.next;
      continue;
    }
    // Lift it, then keep it unless an explored configuration dominates the new one.
    lift(cur);
    if (cur.pending) {
      pendSet.toggle(cur.idx);
    } else {
      doneSet.toggle(cur.idx);
      if (--remaining === 0) return { kind: 'ok' };
    }
    const hi = cur.pending ? (top?.hi ?? -1) : Math.max(top?.hi ?? -1, cur.idx);
    if (memo.add(doneSet, (calls.anext as Node).idx, hi, pendSet, r.next)) {
      const depth = (top?.depth ?? 0) + 1;
      const completed = (top?.completed ?? 0) + (cur.pending ? 0 : 1);
      top = { op: cur.op, before: state, after: r.next, parent: top, depth, completed, hi, node: cur };
      if (better(top, best)) best = top;
      state = r.next;
      entry = head.next;
      continue;
    }
    unlift(cur);
    if (cur.pending) {
      pendSet.toggle(cur.idx);
    } else {
      doneSet.toggle(cur.idx);
      remaining++;
    }
    entry = cur.next;
  }
}
