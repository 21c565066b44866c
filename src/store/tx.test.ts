// Transactions: a write transaction sees its own writes through every query; failures
// inside the callback reject and propose nothing; writes to one object coalesce; a
// transaction object dies with its callback.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { decodeEntry } from './entry.ts';
import { AlreadyExistsError, NotFoundError, SequenceConflictError } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import { LocalProposer, type Proposer } from './proposer.ts';
import type { ReadTx } from './tables/index.ts';
import { ManualClock, newService, newTask } from './testing.ts';
import type { StoreEvent } from './types.ts';

/** A local store whose proposals are recorded. */
function recordingStore(): { store: MemoryStore; entries: unknown[][] } {
  const store = new MemoryStore({ clock: new ManualClock(), freeze: true });
  const local = new LocalProposer(store.stateMachine);
  const entries: unknown[][] = [];
  const p: Proposer = {
    propose(payload) {
      entries.push(decodeEntry(payload).x);
      return local.propose(payload);
    },
  };
  store.setProposer(p);
  return { store, entries };
}

const ids = (os: ReadonlyArray<{ ID: string }>): string[] => os.map((o) => o.ID).sort();

test('a transaction reads its own creates, updates and deletes through every query', async () => {
  const { store } = recordingStore();
  await store.update((tx) => {
    tx.tasks.create(newTask('t1', 'web', { Slot: 1 }));
    tx.tasks.create(newTask('t2', 'web', { Slot: 2 }));
  });
  await store.update((tx) => {
    tx.tasks.create(newTask('t3', 'web', { Slot: 3, NodeID: 'n1' }));
    const t1 = tx.tasks.get('t1');
    assert.ok(t1);
    tx.tasks.update({ ...t1, NodeID: 'n1' });
    tx.tasks.delete('t2');
    assert.deepEqual(ids(tx.tasks.byService('web')), ['t1', 't3']);
    assert.deepEqual(ids(tx.tasks.byNode('n1')), ['t1', 't3']);
    assert.deepEqual(ids(tx.tasks.bySlot('web', 2)), []);
    assert.deepEqual(ids(tx.tasks.all()), ['t1', 't3']);
    assert.equal(tx.tasks.count(), 2);
    assert.equal(tx.tasks.has('t2'), false);
    assert.deepEqual(ids(tx.tasks.byIdPrefix('t')), ['t1', 't3']);
    // Not visible outside until applied.
    assert.deepEqual(
      store.view((r) => ids(r.tasks.byService('web'))),
      ['t1', 't2'],
    );
  });
  assert.deepEqual(
    store.view((r) => ids(r.tasks.byService('web'))),
    ['t1', 't3'],
  );
});

test('an overlay indexes its writes on the first query and keeps them indexed after', async () => {
  const { store } = recordingStore();
  await store.update((tx) => tx.tasks.create(newTask('t1', 'web', { NodeID: 'n1' })));
  await store.update((tx) => {
    tx.tasks.create(newTask('t2', 'web', { NodeID: 'n1' }));
    assert.deepEqual(ids(tx.tasks.byNode('n1')), ['t1', 't2']); // builds the overlay's indexes
    const t2 = tx.tasks.get('t2');
    assert.ok(t2);
    tx.tasks.update(t2, { NodeID: 'n2' });
    tx.tasks.create(newTask('t3', 'api', { NodeID: 'n2' }));
    assert.deepEqual(ids(tx.tasks.byNode('n1')), ['t1']);
    assert.deepEqual(ids(tx.tasks.byNode('n2')), ['t2', 't3']);
    tx.tasks.delete('t3');
    assert.deepEqual(ids(tx.tasks.byNode('n2')), ['t2']);
    assert.deepEqual(ids(tx.table('tasks').byIdPrefix('t')), ['t1', 't2']);
  });
  assert.deepEqual(
    store.view((tx) => ids(tx.tasks.byNode('n2'))),
    ['t2'],
  );
});

test('failures inside the callback reject the update and propose nothing', async () => {
  const { store, entries } = recordingStore();
  await store.update((tx) => tx.services.create(newService('s1', 'web')));
  const before = entries.length;
  await assert.rejects(
    store.update((tx) => tx.services.create(newService('s1', 'other'))),
    AlreadyExistsError,
  );
  await assert.rejects(
    store.update((tx) => tx.services.delete('nope')),
    (e: unknown) => e instanceof NotFoundError && e.message === 'service nope not found',
  );
  await assert.rejects(
    store.update((tx) => {
      tx.services.create(newService('s2', 'api'));
      throw new Error('boom');
    }),
    /boom/,
  );
  const s1 = store.view((tx) => tx.services.get('s1'));
  assert.ok(s1);
  await assert.rejects(
    store.update((tx) => tx.services.update({ ...s1, Version: { Index: s1.Version.Index - 1 } })),
    (e: unknown) => e instanceof SequenceConflictError && e.message === 'update out of sequence',
  );
  await assert.rejects(
    store.update(async (tx) => tx.services.get('s1')),
    /must be synchronous/,
  );
  assert.equal(entries.length, before);
  assert.equal(
    store.view((tx) => tx.services.has('s2')),
    false,
  );
});

test('a transaction without writes resolves at once, without a proposal', async () => {
  const { store, entries } = recordingStore();
  assert.equal(await store.update((tx) => tx.services.count()), 0);
  assert.equal(entries.length, 0);
});

test('writes to one object coalesce into one action, keeping the first position', async () => {
  const { store, entries } = recordingStore();
  const events: StoreEvent[] = [];
  store.subscribe((es) => events.push(...es));
  await store.update((tx) => {
    tx.services.create(newService('s1', 'a'));
    tx.services.create(newService('s2', 'b'));
    tx.services.create(newService('s3', 'c'));
  });
  events.length = 0;
  await store.update((tx) => {
    const s1 = tx.services.get('s1');
    assert.ok(s1);
    tx.services.update({ ...s1, Spec: { ...s1.Spec, Name: 'a2' } });
    tx.services.create(newService('s4', 'd'));
    const s1b = tx.services.get('s1');
    assert.ok(s1b);
    tx.services.update({ ...s1b, Spec: { ...s1b.Spec, Name: 'a3' } });
    const s4 = tx.services.get('s4');
    assert.ok(s4);
    tx.services.update({ ...s4, Spec: { ...s4.Spec, Name: 'd2' } });
    tx.services.create(newService('s5', 'e'));
    tx.services.delete('s5');
    const s2 = tx.services.get('s2');
    assert.ok(s2);
    tx.services.update({ ...s2, Spec: { ...s2.Spec, Name: 'b2' } });
    tx.services.delete('s2');
  });
  const last = entries[entries.length - 1] as unknown[][];
  assert.deepEqual(
    (last[0] as unknown[][]).map((a) => [
      a[0],
      typeof a[2] === 'string' ? a[2] : (a[2] as { ID: string }).ID,
    ]),
    [
      ['u', 's1'],
      ['c', 's4'],
      ['d', 's2'],
    ],
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.object.ID, 'Name' in e.object.Spec ? e.object.Spec.Name : '']),
    [
      ['update', 's1', 'a3'],
      ['create', 's4', 'd2'],
      ['delete', 's2', 'b'],
    ],
  );
});

test('a stale copy inside one transaction is caught: each write gets a pending version', async () => {
  const { store } = recordingStore();
  await store.update((tx) => tx.tasks.create(newTask('t1', 'web')));
  await assert.rejects(
    store.update((tx) => {
      const t = tx.tasks.get('t1');
      assert.ok(t);
      tx.tasks.update({ ...t, DesiredState: 'shutdown' });
      tx.tasks.update({ ...t, NodeID: 'n1' }); // based on the copy before the first write
    }),
    SequenceConflictError,
  );
  assert.equal(
    store.view((tx) => tx.tasks.get('t1')?.DesiredState),
    'running',
  );
});

test('two services can swap names in one transaction', async () => {
  const { store } = recordingStore();
  await store.update((tx) => {
    tx.services.create(newService('s1', 'blue'));
    tx.services.create(newService('s2', 'green'));
  });
  await store.update((tx) => {
    const a = tx.services.get('s1');
    const b = tx.services.get('s2');
    assert.ok(a && b);
    tx.services.update({ ...a, Spec: { ...a.Spec, Name: 'tmp' } });
    tx.services.update({ ...b, Spec: { ...b.Spec, Name: 'blue' } });
    const a2 = tx.services.get('s1');
    assert.ok(a2);
    tx.services.update({ ...a2, Spec: { ...a2.Spec, Name: 'green' } });
  });
  assert.deepEqual(
    store.view((tx) => [tx.services.byName('blue')?.ID, tx.services.byName('green')?.ID]),
    ['s2', 's1'],
  );
});

test('a transaction object is dead once its callback returns; a view cannot write', async () => {
  const { store } = recordingStore();
  let kept: ReadTx | undefined;
  store.view((tx) => {
    kept = tx;
  });
  assert.throws(() => kept?.services.count(), /used after it ended/);
  store.view((tx) => {
    // @ts-expect-error: ReadTx has no create
    assert.throws(() => tx.services.create(newService('s1', 'x')), /cannot write/);
  });
  assert.throws(() => store.view(async () => 1), /must be synchronous/);
});

test('stored objects are frozen when asked, and readers get them without copies', async () => {
  const { store } = recordingStore();
  await store.update((tx) => tx.services.create(newService('s1', 'web')));
  const a = store.view((tx) => tx.services.get('s1'));
  const b = store.view((tx) => tx.services.byName('web'));
  assert.equal(a, b);
  assert.throws(() => {
    (a as unknown as { Spec: { Name: string } }).Spec.Name = 'x';
  }, TypeError);
});

test('a store without a proposer cannot write', async () => {
  const store = new MemoryStore({ clock: new ManualClock() });
  await assert.rejects(
    store.update((tx) => tx.services.create(newService('s1', 'x'))),
    (e: unknown) => isShoalError(e, 'failed_precondition'),
  );
});

test('update(stored, changes) travels as a patch; a copy or a removed field as the whole object', async () => {
  const { store, entries } = recordingStore();
  await store.update((tx) => tx.tasks.create(newTask('t1', 'web', { NodeID: 'n1' })));
  const v1 = store.index;
  const wire = () => (entries[entries.length - 1] as unknown[][])[0] as unknown[][];
  await store.update((tx) => {
    const t = tx.tasks.get('t1');
    if (t) tx.tasks.update(t, { DesiredState: 'ready' });
  });
  assert.deepEqual(wire(), [['p', 'tasks', 't1', { DesiredState: 'ready' }, v1]]);
  // Two patches of one object in one transaction make one, the second on the first.
  await store.update((tx) => {
    const t = tx.tasks.get('t1');
    if (t) tx.tasks.update(t, { DesiredState: 'running' });
    const t2 = tx.tasks.get('t1');
    if (t2) tx.tasks.update(t2, { Slot: 7 });
  });
  assert.deepEqual(wire(), [['p', 'tasks', 't1', { DesiredState: 'running', Slot: 7 }, store.index - 1]]);
  const t = store.view((tx) => tx.tasks.get('t1'));
  assert.equal(t?.DesiredState, 'running');
  assert.equal(t?.Slot, 7);
  assert.equal(t?.NodeID, 'n1', 'fields not in the patch are kept');
  assert.equal(t?.Version.Index, store.index);
  // A copy, a removed field, or a patch followed by a copy: the whole object.
  await store.update((tx) => {
    const cur = tx.tasks.get('t1');
    if (cur) tx.tasks.update({ ...cur, Slot: 8 });
  });
  assert.equal(wire()[0]?.[0], 'u');
  await store.update((tx) => {
    const cur = tx.tasks.get('t1');
    if (cur) tx.tasks.update(cur, { NodeID: undefined });
  });
  assert.equal(wire()[0]?.[0], 'u');
  assert.equal(
    store.view((tx) => 'NodeID' in (tx.tasks.get('t1') ?? {})),
    false,
    'the field is gone on every member',
  );
  await store.update((tx) => {
    const cur = tx.tasks.get('t1');
    if (cur) tx.tasks.update(cur, { Slot: 9 });
    const again = tx.tasks.get('t1');
    if (again) tx.tasks.update({ ...again, Slot: 10 });
  });
  assert.deepEqual(
    wire().map((a) => a[0]),
    ['u'],
  );
  assert.equal(
    store.view((tx) => tx.tasks.get('t1')?.Slot),
    10,
  );
  // Changes on a copy: the copy's own changes must travel too.
  await store.update((tx) => {
    const cur = tx.tasks.get('t1');
    if (cur) tx.tasks.update({ ...cur, Slot: 11 }, { DesiredState: 'shutdown' });
  });
  assert.equal(wire()[0]?.[0], 'u');
  const last = store.view((tx) => tx.tasks.get('t1'));
  assert.deepEqual([last?.Slot, last?.DesiredState], [11, 'shutdown']);
});
