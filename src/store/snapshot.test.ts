// Snapshot and restore: a restored store equals the original byte for byte, its indexes
// are rebuilt, and its watchers see the difference as ordinary events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from './memory-store.ts';
import {
  ManualClock,
  newCluster,
  newConfig,
  newNetwork,
  newNode,
  newSecret,
  newService,
  newTask,
  testStore,
} from './testing.ts';
import type { StoreEvent } from './types.ts';

async function populated(): Promise<MemoryStore> {
  const s = testStore();
  await s.update((tx) => {
    tx.clusters.create(newCluster('k1'));
    tx.nodes.create(newNode('n1', 'box-a'));
    tx.nodes.create(
      newNode('n2', 'box-b', { Spec: { Role: 'manager', Availability: 'active', Labels: { z: '1' } } }),
    );
    tx.networks.create(newNetwork('w1', 'backend'));
    tx.secrets.create(newSecret('x1', 'pw'));
    tx.configs.create(newConfig('c1', 'conf'));
    tx.services.create(newService('s1', 'web'));
  });
  await s.batch((b) => {
    for (let i = 0; i < 30; i++) {
      b.update((tx) =>
        tx.tasks.create(newTask(`t${i}`, 's1', { Slot: (i % 10) + 1, NodeID: i % 2 ? 'n1' : 'n2' })),
      );
    }
  });
  await s.update((tx) => tx.tasks.delete('t3'));
  return s;
}

test('restore gives a byte-identical snapshot, the same index, and working indexes', async () => {
  const a = await populated();
  const snap = a.stateMachine.snapshot();
  const b = new MemoryStore({ clock: new ManualClock() });
  b.stateMachine.restore(snap);
  assert.deepEqual(b.stateMachine.snapshot(), snap);
  assert.equal(b.index, a.index);
  const q = (s: MemoryStore) =>
    s.view((tx) => ({
      bySlot: tx.tasks
        .bySlot('s1', 4)
        .map((t) => t.ID)
        .sort(),
      byNode: tx.tasks.byNode('n1').length,
      managers: tx.nodes.byRole('manager').map((n) => n.ID),
      label: tx.nodes.byLabel('z', '1').map((n) => n.ID),
      name: tx.services.byName('WEB')?.ID,
      prefix: tx.tasks.byIdPrefix('t2').length,
      cluster: tx.clusters.current()?.ID,
      all: tx.tasks.all(),
    }));
  assert.deepEqual(q(b), q(a));
  assert.deepEqual(q(b).bySlot, ['t13', 't23']);
});

test('a restored store goes on applying: versions and timestamps continue, names stay unique', async () => {
  const a = await populated();
  const b = MemoryStore.local({ clock: new ManualClock(Date.UTC(2020, 0, 1)) });
  b.stateMachine.restore(a.stateMachine.snapshot());
  await assert.rejects(
    b.update((tx) => tx.services.create(newService('s2', 'web'))),
    /already exists/,
  );
  await b.update((tx) => tx.tasks.create(newTask('late', 's1')));
  const late = b.view((tx) => tx.tasks.get('late'));
  assert.ok(late);
  assert.equal(late.Version.Index, a.index + 1);
  const before = a.view((tx) => tx.tasks.get('t0')?.CreatedAt) as string;
  assert.ok(late.CreatedAt >= before, 'the restored last timestamp keeps time monotonic');
});

test('watchers of a store that installs a snapshot see the difference as events', async () => {
  const a = await populated();
  const b = MemoryStore.local({ clock: new ManualClock() });
  // (Versions tell objects apart: a real replica that holds s1 at another version holds
  // another write of it.)
  await b.update((tx) => tx.tasks.create(newTask('gone', 's1')));
  await b.update((tx) => tx.services.create(newService('s1', 'old-name')));
  const seen: StoreEvent[] = [];
  b.subscribe((es) => seen.push(...es));
  b.stateMachine.restore(a.stateMachine.snapshot());
  const kinds = (k: string) => seen.filter((e) => e.kind === k).map((e) => `${e.table}/${e.object.ID}`);
  assert.ok(kinds('delete').includes('tasks/gone'));
  assert.deepEqual(kinds('update'), ['services/s1']);
  assert.equal(kinds('create').length, 29 + 7 - 1);
  assert.ok(seen.every((e) => e.index === a.index));
});

test('restoring an empty snapshot empties the store', async () => {
  const a = await populated();
  a.stateMachine.restore(new Uint8Array(0));
  assert.equal(a.index, 0);
  assert.equal(
    a.view((tx) => tx.tasks.count() + tx.services.count()),
    0,
  );
  assert.throws(() => a.stateMachine.restore(new TextEncoder().encode('{"v":99}')), /unknown version/);
});
