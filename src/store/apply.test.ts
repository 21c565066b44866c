// Apply time is the authority: versions, names, existence and rules are checked there,
// deterministically, and a transaction applies entirely or not at all. Stamps come from
// the entry (its index, its proposer's clock), never from the member applying it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { encodeEntry, type WireAction } from './entry.ts';
import { NameConflictError, NotFoundError, SequenceConflictError } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import { ManualClock, newService, newTask, testStore } from './testing.ts';
import type { EntryResult } from './types.ts';

test('two updates based on the same version: the second fails at apply, nothing partial', async () => {
  const s = testStore();
  await s.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.tasks.create(newTask('t1', 's1'));
  });
  const v = s.view((tx) => tx.services.get('s1'));
  assert.ok(v);
  // Both are proposed before either applies: the leader holds no lock.
  const first = s.update((tx) => {
    const cur = tx.services.get('s1');
    assert.ok(cur);
    tx.services.update({ ...cur, Spec: { ...cur.Spec, Labels: { by: 'first' } } });
  });
  const second = s.update((tx) => {
    const t = tx.tasks.get('t1');
    assert.ok(t);
    tx.tasks.update({ ...t, DesiredState: 'shutdown' }); // would apply alone...
    tx.services.update({ ...v, Spec: { ...v.Spec, Labels: { by: 'second' } } }); // ...but this is stale
  });
  await first;
  await assert.rejects(second, (e: unknown) => {
    assert.ok(e instanceof SequenceConflictError);
    assert.equal(e.code, 'conflict');
    assert.equal(e.message, 'update out of sequence');
    assert.equal(e.expected, v.Version.Index);
    assert.ok(e.actual > v.Version.Index);
    return true;
  });
  s.view((tx) => {
    assert.deepEqual(tx.services.get('s1')?.Spec.Labels, { by: 'first' });
    assert.equal(tx.tasks.get('t1')?.DesiredState, 'running', 'the first action of the failed tx was undone');
  });
});

test('two creates of one name in flight: the second fails at apply with a name conflict', async () => {
  const s = testStore();
  const a = s.update((tx) => tx.services.create(newService('s1', 'web')));
  const b = s.update((tx) => tx.services.create(newService('s2', 'Web')));
  await a;
  await assert.rejects(b, NameConflictError);
  assert.equal(
    s.view((tx) => tx.services.count()),
    1,
  );
});

test('updating or deleting an object deleted meanwhile fails at apply', async () => {
  const s = testStore();
  await s.update((tx) => tx.tasks.create(newTask('t1', 'web')));
  const t = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t);
  const del = s.update((tx) => tx.tasks.delete('t1'));
  const upd = s.update((tx) => tx.tasks.update({ ...t, DesiredState: 'shutdown' }));
  const del2 = s.update((tx) => tx.tasks.delete('t1'));
  await del;
  await assert.rejects(upd, (e: unknown) => e instanceof NotFoundError && e.message === 'task t1 not found');
  await assert.rejects(del2, NotFoundError);
});

test("Version.Index is the entry index; timestamps are the proposer's and never go back", async () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
  const s = MemoryStore.local({ clock });
  await s.update((tx) => tx.services.create(newService('s1', 'web')));
  const created = s.view((tx) => tx.services.get('s1'));
  assert.ok(created);
  assert.equal(created.Version.Index, s.index);
  assert.equal(created.CreatedAt, '2025-06-01T12:00:00.000Z');
  assert.equal(created.UpdatedAt, created.CreatedAt);
  clock.ms += 5_000;
  await s.update((tx) => tx.tasks.create(newTask('t1', 's1')));
  await s.update((tx) => {
    const cur = tx.services.get('s1');
    assert.ok(cur);
    tx.services.update({ ...cur, CreatedAt: 'forged', Spec: { ...cur.Spec, Labels: { a: 'b' } } });
  });
  const updated = s.view((tx) => tx.services.get('s1'));
  assert.ok(updated);
  assert.equal(updated.Version.Index, s.index);
  assert.equal(updated.CreatedAt, '2025-06-01T12:00:00.000Z', 'kept from the stored object');
  assert.equal(updated.UpdatedAt, '2025-06-01T12:00:05.000Z');
  // A proposer whose clock is behind (a new leader) cannot move time backward.
  clock.ms -= 60_000;
  await s.update((tx) => tx.tasks.create(newTask('t2', 's1')));
  assert.equal(
    s.view((tx) => tx.tasks.get('t2')?.CreatedAt),
    '2025-06-01T12:00:05.000Z',
  );
});

/** Applies a hand-made entry at the next index. */
function applyRaw(s: MemoryStore, txs: WireAction[][], extra: object = {}): EntryResult {
  const bytes = encodeEntry({ t: Date.UTC(2025, 0, 2), ...extra }, txs);
  return s.stateMachine.apply(bytes, s.index + 1);
}

test('rules and existence are checked again at apply, whatever the proposer checked', async () => {
  const s = testStore();
  await s.update((tx) =>
    tx.tasks.create(newTask('t1', 'web', { Status: { Timestamp: '', State: 'running' } })),
  );
  const t = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t);
  const back = { ...t, Status: { ...t.Status, State: 'pending' } } as never;
  const res = applyRaw(s, [
    [['u', 'tasks', back, t.Version.Index]],
    [['c', 'tasks', { ...t } as never]],
    [['u', 'tasks', { ...t, ID: 'ghost' } as never, 1]],
    [['c', 'tasks', { ...t, ID: 't2' } as never]],
  ]);
  assert.equal(res.results.length, 4);
  const [r0, r1, r2, r3] = res.results;
  assert.ok(r0 && !r0.ok && isShoalError(r0.error, 'failed_precondition'));
  assert.ok(r1 && !r1.ok && isShoalError(r1.error, 'already_exists'));
  assert.ok(r2 && !r2.ok && isShoalError(r2.error, 'not_found'));
  assert.ok(r3?.ok);
  assert.equal(
    s.view((tx) => tx.tasks.get('t1')?.Status.State),
    'running',
  );
});

test('a malformed entry or transaction is a failed result, never an exception', () => {
  const s = testStore();
  const bad = s.stateMachine.apply(new TextEncoder().encode('not json'), 1);
  assert.ok(bad.error && isShoalError(bad.error, 'corrupt'));
  assert.equal(s.index, 1, 'the index still moves: every member skips it alike');
  const made = applyRaw(s, [[['c', 'tasks', newTask('t1', 'w') as never]]]);
  assert.ok(made.results[0]?.ok);
  const res = applyRaw(s, [
    'nope' as never,
    [['x', 'tasks', {}] as never],
    [['c', 'nosuchtable', {}] as never],
    [['c', 'tasks', { ID: '' }] as never],
    [['u', 'tasks', newTask('t1', 'w') as never, 'c7']],
    [['u', 'tasks', newTask('t1', 'w') as never, { v: 1 } as never]],
  ]);
  assert.deepEqual(
    res.results.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['corrupt', 'corrupt', 'corrupt', 'corrupt', 'corrupt', 'corrupt'],
  );
  assert.deepEqual(
    s.view((tx) => tx.tasks.all().map((t) => t.ID)),
    ['t1'],
  );
});

test('a patch: its fields over the stored version; stale, missing, backward and malformed fail', async () => {
  const s = testStore();
  await s.update((tx) =>
    tx.tasks.create(newTask('t1', 'web', { NodeID: 'n1', Status: { Timestamp: 'a', State: 'assigned' } })),
  );
  const t = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t);
  const v = t.Version.Index;
  const res = applyRaw(s, [
    [['p', 'tasks', 't1', { Status: { Timestamp: 'b', State: 'running' } }, v]],
    [['p', 'tasks', 't1', { DesiredState: 'shutdown' }, v]],
    [['p', 'tasks', 'ghost', { DesiredState: 'shutdown' }, 1]],
    [['p', 'tasks', 't1', { Status: { Timestamp: 'c', State: 'pending' } }, null]],
    [['p', 'tasks', 't1', 'nope' as never, null]],
    [['p', 'tasks', 7 as never, {}, null]],
  ]);
  assert.deepEqual(
    res.results.map((r) => (r.ok ? 'ok' : r.error.code)),
    ['ok', 'conflict', 'not_found', 'failed_precondition', 'corrupt', 'corrupt'],
  );
  const now = s.view((tx) => tx.tasks.get('t1'));
  assert.equal(now?.Status.State, 'running');
  assert.equal(now?.NodeID, 'n1');
  assert.equal(now?.Version.Index, s.index);
  assert.equal(now?.CreatedAt, t.CreatedAt);
  assert.equal(now?.Spec, t.Spec, 'unchanged fields are shared with the previous version');
});

test("chunk references resolve to this entry's index or to an earlier chunk's", async () => {
  const s = testStore();
  await s.update((tx) => tx.tasks.create(newTask('t1', 'web')));
  const v = s.index;
  const t = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t);
  // "c3" is an earlier chunk applied at index v; "c4" is this entry's own chunk.
  const res = applyRaw(
    s,
    [
      [['u', 'tasks', { ...t, DesiredState: 'ready' } as never, 'c3']],
      [['u', 'tasks', { ...t } as never, 'c4']],
    ],
    { k: 4, r: { '3': v } },
  );
  assert.deepEqual(
    res.results.map((r) => r.ok),
    [true, true],
  );
  const wrong = applyRaw(s, [[['u', 'tasks', { ...t } as never, 'c3']]], { k: 5, r: { '3': v } });
  assert.ok(!wrong.results[0]?.ok && wrong.results[0]?.error.code === 'conflict');
});
