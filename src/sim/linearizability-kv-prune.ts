/**
 * History simplifications for the KV model, both sound for any history: which pending writes
 * cannot matter (pruned before the search), and which pending writes are interchangeable
 * (the search then tries only one of them at a time). Each key is analysed on its own.
 */
import type { KvOp } from './linearizability-kv.ts';

/** Operations grouped by key, in order of first appearance, each group in history order. */
export function groupByKey(ops: readonly KvOp[]): KvOp[][] {
  const byKey = new Map<string, KvOp[]>();
  for (const op of ops) {
    const list = byKey.get(op.input.key);
    if (list === undefined) byKey.set(op.input.key, [op]);
    else list.push(op);
  }
  return [...byKey.values()];
}

const isPendingOp = (op: KvOp) => op.ret === undefined || op.ret === Number.POSITIVE_INFINITY;

/** The value an operation writes if it takes effect (and, for a cas, swaps). */
const written = (op: KvOp): string | undefined => (op.input.kind === 'get' ? undefined : op.input.value);

/** Values some operation could tell apart from others: read by a get or expected by a cas. */
function observedValues(ops: readonly KvOp[]): Set<string> {
  const observed = new Set<string>();
  for (const op of ops) {
    if (op.input.kind === 'get' && !isPendingOp(op) && typeof op.output?.value === 'string') {
      observed.add(op.output.value);
    }
    if (op.input.kind === 'cas' && op.input.expect !== null) observed.add(op.input.expect);
  }
  return observed;
}

/**
 * Pending writes with equal inputs are interchangeable, and so are pending writes whose
 * values are unobserved (never read, never expected) and that are otherwise equal: whichever
 * of those values the key holds, every operation behaves the same.
 */
export function pendingWriteClasses(ops: readonly KvOp[]): (string | undefined)[] {
  const observed = new Map(groupByKey(ops).map((part) => [part[0]?.input.key, observedValues(part)]));
  return ops.map((op) => {
    if (!isPendingOp(op) || op.input.kind === 'get') return undefined;
    const seen = observed.get(op.input.key)?.has(op.input.value) === true;
    const value = seen ? ` ${JSON.stringify(op.input.value)}` : '';
    const kind = op.input.kind === 'put' ? 'put' : `cas ${JSON.stringify(op.input.expect)}`;
    return `${JSON.stringify(op.input.key)} ${kind}${value}`;
  });
}

/**
 * Drops the pending puts and cas of each key that nothing could have observed. A pending write
 * w is kept if a get returned its value, a cas expected its value, or a failed cas returning
 * after w's call could have succeeded without w: it expected absence or a value that may have
 * been current just before it. Proof sketch: in a linearization applying a dropped w, every
 * operation between w and the next put saw w's unobserved value, so none is a completed get
 * or successful cas; failed ones still fail without w; pending cas that would now swap are
 * dropped too (they did nothing). After that put the states agree again.
 */
export function prunePendingWrites(ops: readonly KvOp[]): KvOp[] {
  const keep = new Set(groupByKey(ops).flatMap(pruneKey));
  return ops.filter((op) => keep.has(op));
}

function pruneKey(ops: readonly KvOp[]): KvOp[] {
  const observed = observedValues(ops);
  const writers = new Map<string, KvOp[]>();
  for (const op of ops) {
    const v = written(op);
    if (v === undefined) continue;
    const list = writers.get(v);
    if (list === undefined) writers.set(v, [op]);
    else list.push(op);
  }
  // Completed writes by call time, with the earliest return among those called later.
  const done = ops
    .filter(
      (o) => !isPendingOp(o) && (o.input.kind === 'put' || (o.input.kind === 'cas' && o.output?.ok === true)),
    )
    .sort((a, b) => a.call - b.call);
  const minRetFrom = new Array<number>(done.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = done.length - 1; i >= 0; i--) {
    minRetFrom[i] = Math.min(minRetFrom[i + 1]!, done[i]!.ret as number);
  }
  /** Whether some completed write must take effect after time `after` and before time `before`. */
  const forcedWrite = (after: number, before: number): boolean => {
    let lo = 0;
    let hi = done.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (done[mid]!.call > after) hi = mid;
      else lo = mid + 1;
    }
    return minRetFrom[lo]! < before;
  };
  let lastDangerous = Number.NEGATIVE_INFINITY;
  for (const c of ops) {
    if (c.input.kind !== 'cas' || isPendingOp(c) || c.output?.ok === true) continue;
    const e = c.input.expect;
    const mayHold =
      e === null
        ? !forcedWrite(Number.NEGATIVE_INFINITY, c.call)
        : (writers.get(e) ?? []).some(
            (w) => w.call <= (c.ret as number) && (isPendingOp(w) || !forcedWrite(w.ret as number, c.call)),
          );
    if (mayHold) lastDangerous = Math.max(lastDangerous, c.ret as number);
  }
  return ops.filter((op) => {
    const v = written(op);
    return !isPendingOp(op) || v === undefined || observed.has(v) || lastDangerous >= op.call;
  });
}
