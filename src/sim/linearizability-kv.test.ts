/**
 * The KV model on its own: step semantics, descriptions, partitioning, and which pending
 * writes it prunes (and, as importantly, keeps).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KvInput, KvOutput, Operation } from './linearizability.ts';
import { checkLinearizable, kvModel } from './linearizability.ts';

type Op = Operation<KvInput, KvOutput>;
let id = 0;
const op = (input: KvInput, output: KvOutput | undefined, call: number, ret?: number): Op => ({
  id: id++,
  client: 'c',
  input,
  output,
  call,
  ret,
});
const put = (value: string, call: number, ret?: number) =>
  op({ kind: 'put', key: 'k', value }, {}, call, ret);
const get = (value: string | null, call: number, ret?: number) =>
  op({ kind: 'get', key: 'k' }, { value }, call, ret);
const cas = (expect: string | null, value: string, ok: boolean, call: number, ret?: number) =>
  op({ kind: 'cas', key: 'k', expect, value }, { ok }, call, ret);
const prune = (ops: Op[]) => (kvModel.prune as (o: Op[]) => Op[])(ops);
const classes = (ops: Op[]) => (kvModel.interchangeable as (o: Op[]) => (string | undefined)[])(ops);

describe('kvModel', () => {
  it('steps put, get and cas', () => {
    const s0 = kvModel.init();
    const s1 = kvModel.step(s0, { kind: 'put', key: 'k', value: 'a' }, {}).next;
    assert.equal(s0.size, 0, 'the previous state is not mutated');
    assert.equal(kvModel.step(s0, { kind: 'get', key: 'k' }, { value: null }).ok, true);
    assert.equal(kvModel.step(s0, { kind: 'get', key: 'k' }, {}).ok, true, 'a missing value means absent');
    assert.equal(kvModel.step(s1, { kind: 'get', key: 'k' }, { value: 'a' }).ok, true);
    assert.equal(kvModel.step(s1, { kind: 'get', key: 'k' }, { value: null }).ok, false);
    assert.equal(kvModel.step(s1, { kind: 'get', key: 'k' }, undefined).ok, true, 'pending get');
    const swap = kvModel.step(s1, { kind: 'cas', key: 'k', expect: 'a', value: 'b' }, undefined);
    assert.deepEqual([swap.ok, swap.next.get('k')], [true, 'b']);
    const miss = kvModel.step(s1, { kind: 'cas', key: 'k', expect: 'z', value: 'b' }, undefined);
    assert.deepEqual([miss.ok, miss.next.get('k')], [true, 'a']);
    assert.equal(
      kvModel.step(s1, { kind: 'cas', key: 'k', expect: 'z', value: 'b' }, { ok: true }).ok,
      false,
    );
    assert.equal(
      kvModel.step(s0, { kind: 'cas', key: 'k', expect: null, value: 'b' }, { ok: true }).ok,
      true,
    );
  });

  it('describes operations and states', () => {
    assert.equal(kvModel.describe({ kind: 'put', key: 'k', value: 'a' }, {}), 'put(k, "a")');
    assert.equal(kvModel.describe({ kind: 'get', key: 'k' }, { value: null }), 'get(k) -> null');
    assert.equal(kvModel.describe({ kind: 'get', key: 'k' }, undefined), 'get(k) -> ?');
    assert.equal(
      kvModel.describe({ kind: 'cas', key: 'k', expect: null, value: 'b' }, { ok: false }),
      'cas(k, null -> "b") -> failed',
    );
    assert.equal(kvModel.describeState?.(new Map([['k', 'a']])), '{k: "a"}');
    assert.equal(
      kvModel.key?.(
        new Map([
          ['a', '1'],
          ['b', '2'],
        ]),
      ),
      kvModel.key?.(
        new Map([
          ['b', '2'],
          ['a', '1'],
        ]),
      ),
    );
  });

  it('partitions by key, keeping order', () => {
    const ops = [get(null, 0, 1), op({ kind: 'get', key: 'j' }, { value: null }, 2, 3), put('a', 4, 5)];
    const parts = kvModel.partition?.(ops) ?? [];
    assert.deepEqual(
      parts.map((p) => p.map((o) => o.id)),
      [[ops[0]!.id, ops[2]!.id], [ops[1]!.id]],
    );
    assert.deepEqual(
      parts.map((p) => kvModel.partitionLabel?.(p)),
      ['k', 'j'],
    );
  });
});

describe('kvModel.prune', () => {
  it('drops a pending write whose value nobody read or expected', () => {
    const ops = [put('a', 0, 10), put('z', 5), get('a', 20, 30), cas('b', 'c', false, 40, 50)];
    assert.deepEqual(prune(ops), [ops[0], ops[2], ops[3]]);
    const read = [put('a', 0, 10), put('z', 5), get('z', 20, 30)];
    assert.deepEqual(prune(read), read);
    const expected = [put('a', 0, 10), put('z', 5), cas('z', 'c', false, 20, 30)];
    assert.deepEqual(prune(expected), expected);
  });

  it('keeps a pending write that may explain a failed cas, and the verdict needs it', () => {
    const ops = [put('a', 0, 10), put('z', 5), cas('a', 'c', false, 20, 30)];
    assert.deepEqual(prune(ops), ops);
    assert.equal(checkLinearizable(kvModel, ops).ok, true);
    assert.equal(checkLinearizable(kvModel, [ops[0]!, ops[2]!]).ok, false);
    // Expecting absence, with no write forced before the cas.
    const absent = [put('z', 0), cas(null, 'c', false, 20, 30)];
    assert.deepEqual(prune(absent), absent);
  });

  it('drops it when a completed write is forced between the expected value and the failed cas', () => {
    const ops = [put('a', 0, 10), put('z', 5), put('b', 20, 30), cas('a', 'c', false, 40, 50)];
    assert.deepEqual(prune(ops), [ops[0], ops[2], ops[3]]);
    const absent = [put('z', 0), put('b', 5, 10), cas(null, 'c', false, 20, 30)];
    assert.deepEqual(prune(absent), [absent[1], absent[2]]);
    // A cas called after the pending write's last chance still drops it.
    const late = [put('a', 0, 10), cas('a', 'c', false, 20, 30), put('z', 40)];
    assert.deepEqual(prune(late), [late[0], late[1]]);
  });

  it('treats writes touching at an instant as concurrent, so not forced', () => {
    const retTie = [put('a', 0, 10), put('z', 5), put('b', 20, 40), cas('a', 'c', false, 40, 50)];
    assert.deepEqual(prune(retTie), retTie);
    const callTie = [put('a', 0, 10), put('z', 5), put('b', 10, 30), cas('a', 'c', false, 40, 50)];
    assert.deepEqual(prune(callTie), callTie);
    const absentTie = [put('z', 0), put('b', 5, 20), cas(null, 'c', false, 20, 30)];
    assert.deepEqual(prune(absentTie), absentTie);
  });
});

describe('kvModel.interchangeable', () => {
  it('groups pending writes by key, kind and expectation, and by value only if observed', () => {
    const ops = [
      put('a', 0),
      put('b', 0),
      put('c', 0),
      put('c', 1),
      cas(null, 'd', false, 0),
      cas(null, 'e', false, 0),
      cas('c', 'f', false, 0),
      get('c', 5, 6),
      put('g', 0, 1),
      op({ kind: 'put', key: 'j', value: 'a' }, undefined, 0),
    ];
    const c = classes(ops);
    assert.equal(c[0], c[1], 'unobserved puts of the same key');
    assert.notEqual(c[0], c[2], 'an observed value is its own class');
    assert.equal(c[2], c[3], 'equal inputs');
    assert.equal(c[4], c[5]);
    assert.notEqual(c[4], c[6], 'different expectations');
    assert.notEqual(c[0], c[4], 'put and cas');
    assert.deepEqual([c[7], c[8]], [undefined, undefined], 'completed operations');
    assert.notEqual(c[0], c[9], 'another key');
  });

  it('lets the search try one of many unobserved pending puts, without changing verdicts', () => {
    const many = Array.from({ length: 10 }, (_, i) => put(`p${i}`, i));
    // The failed cas keeps them all (any could have hidden "a"), and the stale read is caught.
    const ops = [put('a', 0, 1), ...many, cas('a', 'x', false, 20, 30), get('a', 40, 50)];
    assert.equal(prune(ops).length, ops.length);
    const withSymmetry = checkLinearizable(kvModel, ops);
    const without = checkLinearizable({ ...kvModel, interchangeable: undefined }, ops);
    assert.deepEqual([withSymmetry.ok, without.ok], [false, false]);
    assert.ok(withSymmetry.steps * 20 < without.steps, `${withSymmetry.steps} vs ${without.steps} steps`);
  });
});
