/**
 * Property tests: histories built from a sequential execution (with overlapping intervals
 * around each linearization point) are always linearizable; corrupting one read to a value
 * never written always breaks them; on small random histories the checker agrees with a
 * brute-force search, with itself unpartitioned, and with itself on a shuffled history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KvState, Model } from './linearizability.ts';
import { checkLinearizable, isPending, kvModel } from './linearizability.ts';
import type { KvOp, OpSpec } from './linearizability-gen.ts';
import { buildKvHistory } from './linearizability-gen.ts';
import { searchPartition } from './linearizability-search.ts';

const specArb = (clients: number, keys: number): fc.Arbitrary<OpSpec> =>
  fc.record({
    client: fc.nat({ max: clients - 1 }),
    kind: fc.constantFrom('put', 'get', 'get', 'cas'),
    key: fc.nat({ max: keys - 1 }),
    casHit: fc.boolean(),
    callSlack: fc.nat({ max: 60 }),
    retSlack: fc.nat({ max: 60 }),
    pending: fc.nat({ max: 99 }).map((n) => n < 15),
    lost: fc.boolean(),
  });
const historyArb = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }))
  .chain(([clients, keys]) => fc.array(specArb(clients, keys), { maxLength: 80, size: 'max' }))
  .map(buildKvHistory);

/** Independent brute force: try every real-time-respecting order; pending ops are optional. */
function bruteForce(ops: readonly KvOp[]): boolean {
  const placed = ops.map(() => false);
  const search = (state: Map<string, string>, left: number): boolean => {
    if (left === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i] as KvOp;
      if (placed[i]) continue;
      const blocked = ops.some(
        (p, j) => j !== i && !placed[j] && !isPending(p) && (p.ret as number) < o.call,
      );
      if (blocked) continue;
      const cur = state.get(o.input.key) ?? null;
      const done = !isPending(o);
      let next = state;
      if (o.input.kind === 'put') next = new Map(state).set(o.input.key, o.input.value);
      else if (o.input.kind === 'get') {
        if (done && (o.output?.value ?? null) !== cur) continue;
      } else {
        const hit = cur === o.input.expect;
        if (done && (o.output?.ok === true) !== hit) continue;
        if (hit) next = new Map(state).set(o.input.key, o.input.value);
      }
      placed[i] = true;
      const found = search(next, left - (done ? 1 : 0));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(new Map(), ops.filter((o) => !isPending(o)).length);
}

/** Small random histories, outputs unrelated to any execution: about half are invalid. Some
 * written values are never read or expected, so that pending writes get pruned. */
const randomOpArb = fc
  .record({
    kind: fc.constantFrom('put', 'get', 'cas'),
    key: fc.constantFrom('x', 'y'),
    value: fc.constantFrom('a', 'b', 'c', 'd'),
    expect: fc.option(fc.constantFrom('a', 'b', 'c')),
    seen: fc.option(fc.constantFrom('a', 'b')),
    swapped: fc.boolean(),
    call: fc.nat({ max: 30 }),
    length: fc.nat({ max: 15 }),
    pending: fc.nat({ max: 99 }).map((n) => n < 20),
  })
  .map((r): Omit<KvOp, 'id' | 'client'> => {
    const input =
      r.kind === 'put'
        ? { kind: 'put' as const, key: r.key, value: r.value }
        : r.kind === 'get'
          ? { kind: 'get' as const, key: r.key }
          : { kind: 'cas' as const, key: r.key, expect: r.expect, value: r.value };
    const output = r.kind === 'get' ? { value: r.seen } : r.kind === 'cas' ? { ok: r.swapped } : {};
    return { input, output, call: r.call, ret: r.pending ? undefined : r.call + r.length };
  });
const smallHistoryArb = fc
  .array(randomOpArb, { maxLength: 8, size: 'max' })
  .map((ops) => ops.map((o, i): KvOp => ({ ...o, id: i, client: i })));

const unpartitioned: Model<KvState, KvOp['input'], NonNullable<KvOp['output']>> = {
  ...kvModel,
  partition: undefined,
  partitionLabel: undefined,
};
const byEquality: typeof unpartitioned = {
  ...kvModel,
  key: undefined,
  equal: (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v),
};
const unpruned: typeof unpartitioned = {
  ...kvModel,
  prune: undefined,
  readOnly: undefined,
  interchangeable: undefined,
};
const unprunedUnpartitioned: typeof unpartitioned = { ...unpruned, partition: undefined };

describe('checkLinearizable: properties', () => {
  it('accepts every history built around a sequential execution', () => {
    fc.assert(
      fc.property(historyArb, (ops) => {
        const r = checkLinearizable(kvModel, ops);
        assert.equal(r.ok, true, r.ok === false ? r.explanation : JSON.stringify(r));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every such history once one completed get returns a value never written', () => {
    const withGet = fc
      .tuple(historyArb, fc.nat())
      .filter(([ops]) => ops.some((o) => o.input.kind === 'get' && !isPending(o)));
    fc.assert(
      fc.property(withGet, ([ops, pick]) => {
        const gets = ops.filter((o) => o.input.kind === 'get' && !isPending(o));
        const victim = gets[pick % gets.length] as KvOp;
        const corrupt = ops.map((o) => (o === victim ? { ...o, output: { value: 'never-written' } } : o));
        const r = checkLinearizable(kvModel, corrupt);
        assert.equal(r.ok, false);
        if (r.ok !== false) return;
        assert.equal(r.key, victim.input.key);
        assert.ok(!r.prefix.some((p) => p.op.id === victim.id), 'the corrupted get cannot be placed');
        assert.ok(r.unplaced.some((u) => u.reason === 'rejected'));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with brute force, with and without partitions, pruning, symmetry; memoized by equality; shuffled', () => {
    let valid = 0;
    let invalid = 0;
    let pruned = 0;
    fc.assert(
      fc.property(smallHistoryArb, fc.infiniteStream(fc.nat()), (ops, rand) => {
        const expected = bruteForce(ops);
        const shuffled = ops
          .map((o) => ({ o, r: rand.next().value as number }))
          .sort((a, b) => a.r - b.r)
          .map((x) => x.o);
        for (const [model, history] of [
          [kvModel, ops],
          [unpartitioned, ops],
          [byEquality, ops],
          [unpruned, ops],
          [unprunedUnpartitioned, ops],
          [kvModel, shuffled],
        ] as const) {
          const r = checkLinearizable(model, history);
          assert.equal(r.ok, expected, r.ok === false ? r.explanation : 'expected a violation');
        }
        if (expected) valid++;
        else invalid++;
        const parts = kvModel.partition?.(ops) ?? [];
        if (parts.some((p) => kvModel.prune?.(p).length !== p.length)) pruned++;
      }),
      { numRuns: 1000 },
    );
    assert.ok(valid > 50 && invalid > 50, `both verdicts exercised (valid ${valid}, invalid ${invalid})`);
    assert.ok(pruned > 50, `pending writes pruned in ${pruned} histories`);
  });

  it('decides like brute force with plain memoization and with dominance pruning', () => {
    fc.assert(
      fc.property(smallHistoryArb, (ops) => {
        const expected = bruteForce(ops);
        for (const dominance of [false, true]) {
          const budget = { steps: 0, maxSteps: 1e6, deadline: Number.POSITIVE_INFINITY };
          const r = searchPartition(unpruned, ops, budget, { dominance, stopAt: 1e6 });
          assert.equal(r.kind, expected ? 'ok' : 'violation', `dominance ${dominance}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same verdict, steps and explanation on every run', () => {
    fc.assert(
      fc.property(smallHistoryArb, (ops) => {
        assert.deepEqual(checkLinearizable(kvModel, ops), checkLinearizable(kvModel, ops));
      }),
      { numRuns: 200 },
    );
  });
});
