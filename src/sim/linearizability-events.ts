/**
 * The event lists the WGL search walks. Calls and returns of one partition's operations in
 * time order form the main doubly linked list; lifting an operation unlinks its call and
 * return, and unlifting (in reverse order) relinks them, dancing-links style. Each node also
 * sits in at most one auxiliary list that is unlinked with it: completed calls in call order
 * (the first one is the lowest unlinearized operation), returns in time order (the first one
 * bounds which calls are candidates), or one list per class of interchangeable pending
 * operations.
 */
import type { Operation } from './linearizability-types.ts';

/** True if the operation never returned. */
export function isPending(op: Operation<unknown, unknown>): boolean {
  return op.ret === undefined || op.ret === Number.POSITIVE_INFINITY;
}

export interface Node {
  /** Index in the searched operations. */
  readonly op: number;
  /** Index among completed (or among pending) operations, in call order. */
  readonly idx: number;
  /** Position in the event order. */
  readonly pos: number;
  readonly pending: boolean;
  readonly isCall: boolean;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
  /**
   * A second list each node may belong to, by kind: completed calls (the head gives `lo`),
   * returns (the head bounds which calls are candidates), and one list per class of
   * interchangeable pending operations. Null `aprev`: in none.
   */
  aprev: Node | null;
  anext: Node | null;
}

/**
 * Events in time order. At equal times calls come before returns, so an operation that
 * starts at the instant another one returns counts as concurrent with it.
 */
export function eventOrder(ops: readonly Operation<unknown, unknown>[]): { op: number; isCall: boolean }[] {
  const events: { op: number; isCall: boolean; time: number }[] = [];
  ops.forEach((o, i) => {
    events.push({ op: i, isCall: true, time: o.call });
    if (!isPending(o)) events.push({ op: i, isCall: false, time: o.ret as number });
  });
  events.sort((a, b) => a.time - b.time || Number(!a.isCall) - Number(!b.isCall) || a.op - b.op);
  return events;
}

function unlink(n: Node): void {
  (n.prev as Node).next = n.next;
  if (n.next !== null) n.next.prev = n.prev;
  if (n.aprev === null) return;
  n.aprev.anext = n.anext;
  if (n.anext !== null) n.anext.aprev = n.aprev;
}

function relink(n: Node): void {
  (n.prev as Node).next = n;
  if (n.next !== null) n.next.prev = n;
  if (n.aprev === null) return;
  n.aprev.anext = n;
  if (n.anext !== null) n.anext.aprev = n;
}

/** Lifts an operation out of the lists: its call and its return. */
export function lift(n: Node): void {
  unlink(n);
  if (n.match !== null) unlink(n.match);
}

/** Undoes lift(n); lifts are undone in reverse order. */
export function unlift(n: Node): void {
  if (n.match !== null) relink(n.match);
  relink(n);
}

const sentinel = (): Node => ({
  ...{ op: -1, idx: -1, pos: Number.POSITIVE_INFINITY, pending: false, isCall: false },
  ...{ match: null, prev: null, next: null, aprev: null, anext: null },
});

export interface Lists {
  head: Node;
  /** Unlifted completed calls, in call order. */
  calls: Node;
  /** Unlifted returns, in time order. */
  rets: Node;
  nc: number;
  np: number;
}

export function buildLists(
  ops: readonly Operation<unknown, unknown>[],
  classes: readonly (string | undefined)[],
): Lists {
  const l: Lists = { head: sentinel(), calls: sentinel(), rets: sentinel(), nc: 0, np: 0 };
  const auxTail = new Map<Node | string, Node>([
    [l.calls, l.calls],
    [l.rets, l.rets],
  ]);
  const append = (list: Node | string, n: Node) => {
    const tail = auxTail.get(list) ?? sentinel();
    n.aprev = tail;
    tail.anext = n;
    auxTail.set(list, n);
  };
  const callOf: Node[] = [];
  let tail = l.head;
  eventOrder(ops).forEach((e, pos) => {
    const pending = isPending(ops[e.op] as Operation<unknown, unknown>);
    const call = callOf[e.op];
    const idx = call !== undefined ? call.idx : pending ? l.np++ : l.nc++;
    const n: Node = {
      op: e.op,
      idx,
      pos,
      pending,
      isCall: e.isCall,
      match: null,
      prev: tail,
      next: null,
      aprev: null,
      anext: null,
    };
    tail.next = n;
    tail = n;
    const cls = classes[e.op];
    if (call !== undefined) {
      call.match = n;
      append(l.rets, n);
    } else if (!pending) {
      callOf[e.op] = n;
      append(l.calls, n);
    } else if (cls !== undefined) {
      append(`class ${cls}`, n);
    }
  });
  return l;
}
