/**
 * Hand-written histories with known verdicts: stale reads, contradictory read orders,
 * pending writes that must (or cannot) have happened, cas, budgets, and the explanation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import type { CheckResult, KvInput, KvOutput, KvState, Model, Operation } from './linearizability.ts';
import { checkLinearizable, kvModel } from './linearizability.ts';

type Op = Operation<KvInput, KvOutput>;
let nextId = 0;
const put = (client: string, key: string, value: string, call: number, ret?: number): Op => ({
  id: nextId++,
  client,
  input: { kind: 'put', key, value },
  output: {},
  call,
  ret,
});
const get = (client: string, key: string, value: string | null, call: number, ret?: number): Op => ({
  id: nextId++,
  client,
  input: { kind: 'get', key },
  output: { value },
  call,
  ret,
});
const cas = (
  c: string,
  key: string,
  expect: string | null,
  value: string,
  ok: boolean,
  call: number,
  ret?: number,
): Op => ({
  id: nextId++,
  client: c,
  input: { kind: 'cas', key, expect, value },
  output: { ok },
  call,
  ret,
});

const check = (ops: Op[]) => checkLinearizable(kvModel, ops);
function violation(r: CheckResult<KvState, KvInput, KvOutput>) {
  assert.equal(r.ok, false, `expected a violation, got ${JSON.stringify(r)}`);
  if (r.ok !== false) throw new Error('unreachable');
  return r;
}

describe('checkLinearizable: hand-written KV histories', () => {
  it('accepts the empty history and a sequential one', () => {
    assert.deepEqual(check([]), { ok: true, partitions: 0, steps: 0 });
    const r = check([put('a', 'x', '1', 0, 10), get('b', 'x', '1', 20, 30), get('b', 'y', null, 40, 50)]);
    assert.equal(r.ok, true);
    if (r.ok === true) assert.equal(r.partitions, 2);
  });

  it('rejects a stale read after a completed write, and explains it', () => {
    const ops = [put('c1', 'x', '1', 0, 10), put('c1', 'x', '2', 20, 30), get('c2', 'x', '1', 40, 50)];
    const v = violation(check(ops));
    assert.equal(v.key, 'x');
    assert.deepEqual(
      v.prefix.map((p) => p.op.id),
      [ops[0]!.id, ops[1]!.id],
    );
    assert.deepEqual(
      v.unplaced.map((u) => [u.op.id, u.reason]),
      [[ops[2]!.id, 'rejected']],
    );
    assert.equal(v.deadline, ops[2]);
    assert.match(v.explanation, /key "x"/);
    assert.match(v.explanation, new RegExp(`#${ops[2]!.id} client c2 \\[40, 50\\] get\\(x\\) -> "1"`));
    assert.match(v.explanation, /put\(x, "2"\) {2}=> state \{x: "2"\}/);
  });

  it('lets a read concurrent with a write see the old or the new value', () => {
    assert.equal(
      check([put('a', 'x', '1', 0, 10), put('a', 'x', '2', 20, 40), get('b', 'x', '1', 25, 35)]).ok,
      true,
    );
    assert.equal(
      check([put('a', 'x', '1', 0, 10), put('a', 'x', '2', 20, 40), get('b', 'x', '2', 25, 35)]).ok,
      true,
    );
    assert.equal(check([put('a', 'x', '2', 20, 40), get('b', 'x', null, 25, 35)]).ok, true);
  });

  it('rejects two readers observing two concurrent writes in opposite orders', () => {
    const writes = () => [put('w1', 'x', '1', 0, 100), put('w2', 'x', '2', 0, 100)];
    const reader3 = () => [get('r3', 'x', '1', 10, 20), get('r3', 'x', '2', 30, 40)];
    const reader4 = () => [get('r4', 'x', '2', 10, 20), get('r4', 'x', '1', 30, 40)];
    assert.equal(check([...writes(), ...reader3()]).ok, true);
    assert.equal(check([...writes(), ...reader4()]).ok, true);
    const v = violation(check([...writes(), ...reader3(), ...reader4()]));
    assert.equal(v.key, 'x');
    assert.ok(v.unplaced.length > 0 && v.unplaced.every((u) => u.reason === 'rejected'));
  });

  it('assumes a pending put happened when a later read observes it', () => {
    const r = check([put('a', 'x', '1', 0, 10), put('b', 'x', '2', 15), get('c', 'x', '2', 50, 60)]);
    assert.equal(r.ok, true);
    // ret: Infinity is pending too.
    assert.equal(
      check([put('b', 'x', '2', 15, Number.POSITIVE_INFINITY), get('c', 'x', '2', 50, 60)]).ok,
      true,
    );
  });

  it('assumes a pending put never happened when nothing observes it', () => {
    assert.equal(check([put('b', 'x', '2', 0), get('c', 'x', null, 50, 60)]).ok, true);
  });

  it('rejects reading a pending put before the put was called', () => {
    const ops = [get('c', 'x', '2', 0, 5), put('b', 'x', '2', 10)];
    const v = violation(check(ops));
    assert.equal(v.prefix.length, 0);
    assert.match(v.explanation, /longest linearizable prefix: 0 operations/);
    assert.match(v.explanation, /client c \[0, 5\] get\(x\) -> "2" {2}-- impossible in this state/);
    assert.match(v.explanation, /1 later operations were not reached/);
    assert.deepEqual(
      v.unplaced.map((u) => u.op.id),
      [ops[0]!.id],
    );
  });

  it('rejects a pending put that was observed and then un-happened', () => {
    const ops = [
      put('a', 'x', '1', 0, 10),
      put('b', 'x', '2', 5),
      get('c', 'x', '2', 20, 30),
      get('c', 'x', '1', 40, 50),
    ];
    violation(check(ops));
  });

  it('drops a pending get, whatever output was recorded for it', () => {
    const r = checkLinearizable(kvModel, [put('a', 'x', '1', 0, 10), get('b', 'x', 'never', 5)]);
    assert.deepEqual(r, { ok: true, partitions: 1, steps: 1 });
  });

  it('checks compare-and-set results', () => {
    assert.equal(
      check([cas('a', 'x', null, '1', true, 0, 10), cas('b', 'x', '1', '2', true, 20, 30)]).ok,
      true,
    );
    assert.equal(
      check([cas('a', 'x', null, '1', true, 0, 10), cas('b', 'x', null, '2', false, 20, 30)]).ok,
      true,
    );
    violation(check([cas('a', 'x', null, '1', true, 0, 10), cas('b', 'x', null, '2', true, 20, 30)]));
    violation(check([put('a', 'x', '1', 0, 10), cas('b', 'x', '1', '2', false, 20, 30)]));
    // A pending cas swaps exactly when its expectation holds.
    assert.equal(
      check([put('a', 'x', '1', 0, 10), cas('b', 'x', '1', '2', true, 20), get('c', 'x', '2', 30, 40)]).ok,
      true,
    );
    violation(
      check([put('a', 'x', '1', 0, 10), cas('b', 'x', '0', '2', true, 20), get('c', 'x', '2', 30, 40)]),
    );
  });

  it('names the one key whose sub-history is not linearizable', () => {
    const ops = [
      put('a', 'x', '1', 0, 10),
      put('a', 'y', '1', 20, 30),
      get('b', 'x', '1', 40, 50),
      put('b', 'y', '2', 60, 70),
      get('c', 'y', '1', 80, 90),
      get('c', 'z', null, 80, 90),
    ];
    const v = violation(check(ops));
    assert.equal(v.key, 'y');
    assert.deepEqual(
      v.ops.map((o) => o.id),
      [ops[1]!.id, ops[3]!.id, ops[4]!.id],
    );
  });

  it('treats an operation called at the instant another returns as concurrent with it', () => {
    assert.equal(check([put('a', 'x', '1', 0, 10), get('b', 'x', null, 10, 20)]).ok, true);
    violation(check([put('a', 'x', '1', 0, 10), get('b', 'x', null, 11, 20)]));
  });

  it('returns unknown when the step budget runs out, deterministically', () => {
    const ops = [put('a', 'x', '1', 0, 10), put('b', 'x', '2', 0, 10), get('c', 'x', '2', 20, 30)];
    const r = checkLinearizable(kvModel, ops, { maxSteps: 1 });
    assert.equal(r.ok, 'unknown');
    if (r.ok === 'unknown') assert.match(r.reason, /budget of 1 steps exhausted on key "x"/);
    const full1 = checkLinearizable(kvModel, ops);
    assert.deepEqual(checkLinearizable(kvModel, ops), full1);
    assert.equal(full1.ok, true);
    assert.equal(checkLinearizable(kvModel, ops, { maxSteps: full1.steps }).ok, true);
    assert.equal(checkLinearizable(kvModel, ops, { maxSteps: full1.steps - 1 }).ok, 'unknown');
  });

  it('rejects malformed operations', () => {
    assert.throws(
      () => check([put('a', 'x', '1', 10, 5)]),
      (e) => isShoalError(e, 'invalid_argument'),
    );
    assert.throws(
      () => check([put('a', 'x', '1', Number.NaN, 5)]),
      (e) => isShoalError(e, 'invalid_argument'),
    );
  });

  it('shows only the tail of a long prefix', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 30; i++) ops.push(put('a', 'x', String(i), i * 10, i * 10 + 5));
    ops.push(get('b', 'x', '3', 400, 410));
    const v = violation(check(ops));
    assert.equal(v.prefix.length, 30);
    assert.match(v.explanation, /\.\.\. 18 earlier operations/);
    assert.match(v.explanation, /then no operation can take effect: #\d+ \(client b\) returned at 410/);
  });
});

describe('checkLinearizable: a generic model without partitioning', () => {
  // A counter with increments (output ignored) and reads; state memoized via equal or JSON.
  type In = { op: 'inc' } | { op: 'read' };
  const counter = (memo: 'equal' | 'json'): Model<{ n: number }, In, number> => ({
    init: () => ({ n: 0 }),
    step: (s, i, out) =>
      i.op === 'inc' ? { ok: true, next: { n: s.n + 1 } } : { ok: out === undefined || out === s.n, next: s },
    ...(memo === 'equal' ? { equal: (a: { n: number }, b: { n: number }) => a.n === b.n } : {}),
    describe: (i, out) => (i.op === 'inc' ? 'inc()' : `read() -> ${out ?? '?'}`),
  });
  const op = (id: number, input: In, call: number, ret: number | undefined, output?: number) => ({
    id,
    client: id,
    input,
    output,
    call,
    ret,
  });
  const ok = [op(0, { op: 'inc' }, 0, 50), op(1, { op: 'inc' }, 0, 50), op(2, { op: 'read' }, 10, 20, 1)];
  const bad = [...ok, op(3, { op: 'read' }, 30, 40, 0)];
  const pend = [
    op(0, { op: 'inc' }, 0, undefined),
    op(1, { op: 'read' }, 10, 20, 1),
    op(2, { op: 'read' }, 30, 40, 2),
  ];

  for (const memo of ['equal', 'json'] as const) {
    it(`decides with ${memo} memoization`, () => {
      assert.equal(checkLinearizable(counter(memo), ok).ok, true);
      const v = checkLinearizable(counter(memo), bad);
      assert.equal(v.ok, false);
      if (v.ok === false) {
        assert.equal(v.key, undefined);
        assert.match(v.explanation, /^not linearizable: partition 0 /);
        assert.match(v.explanation, /#3 client 3 \[30, 40\] read\(\) -> 0 {2}-- impossible/);
      }
      assert.equal(checkLinearizable(counter(memo), pend).ok, false);
    });
  }
});
