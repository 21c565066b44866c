// The store on a 3-member Raft cluster, on virtual time: every member applies the same
// entries in the same order and ends with the same bytes; followers refuse writes and
// deliver the same events; a restarted member rebuilds its store from snapshot + log;
// proposals lost to a partition fail honestly and leave the replicas equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { NotLeaderError } from '../raft/errors.ts';
import { MemoryStorage } from '../raft/storage/memory.ts';
import { StoreCluster } from './raft-testkit.ts';
import { newNode, newService, newTask } from './testing.ts';

/** Some work: services, 2,500 tasks in a batch, updates racing, deletes. */
async function workload(c: StoreCluster): Promise<void> {
  const { store } = c.leader();
  await c.until(
    store.update((tx) => {
      tx.services.create(newService('s1', 'web'));
      tx.services.create(newService('s2', 'api'));
      for (let i = 0; i < 5; i++) tx.nodes.create(newNode(`n${i}`, `box-${i}`));
    }),
  );
  const res = await c.until(
    store.batch((b) => {
      for (let i = 0; i < 2_500; i++) {
        b.update((tx) =>
          tx.tasks.create(newTask(`t${i}`, i % 2 ? 's1' : 's2', { Slot: Math.floor(i / 2) + 1 })),
        );
      }
    }),
  );
  assert.deepEqual(res, { applied: 2_500, failed: [], entries: 3 });
  const s1 = store.view((tx) => tx.services.get('s1'));
  assert.ok(s1);
  const a = store.update((tx) => tx.services.update({ ...s1, Spec: { ...s1.Spec, Labels: { w: 'a' } } }));
  const b = store.update((tx) => tx.services.update({ ...s1, Spec: { ...s1.Spec, Labels: { w: 'b' } } }));
  const [ra, rb] = await c.until(Promise.allSettled([a, b]));
  assert.equal(ra.status, 'fulfilled');
  assert.ok(rb.status === 'rejected' && isShoalError(rb.reason, 'conflict'));
  const sched = await c.until(
    store.batch((b) => {
      for (let i = 0; i < 400; i++) {
        b.update((tx) => {
          const t = tx.tasks.get(`t${i}`);
          assert.ok(t);
          tx.tasks.update({ ...t, NodeID: `n${i % 5}`, Status: { ...t.Status, State: 'assigned' } });
        });
      }
    }),
  );
  assert.equal(sched.applied, 400);
  await c.until(store.update((tx) => tx.tasks.delete('t0')));
}

test('followers hold byte-identical replicas and deliver the same events in the same order', async () => {
  const c = new StoreCluster();
  await c.boot(['n1', 'n2', 'n3']);
  await workload(c);
  await c.run(500);
  const leader = c.leader();
  const snap = leader.store.stateMachine.snapshot();
  assert.equal(
    leader.store.view((tx) => tx.tasks.byNode('n3').length),
    80,
  );
  for (const f of c.followers()) {
    assert.equal(f.store.index, leader.store.index);
    assert.deepEqual(f.store.stateMachine.snapshot(), snap, `${f.id}'s store differs`);
    assert.deepEqual(f.applied, leader.applied);
    assert.equal(f.events.length, leader.events.length);
    assert.deepEqual(f.events, leader.events);
    f.store.view((tx) => {
      assert.equal(tx.tasks.bySlot('s1', 7).length, 1);
      assert.equal(tx.services.byName('web')?.Spec.Labels?.w, 'a');
    });
  }
  await c.stopAll();
});

test("a follower's store refuses writes with the leader's name", async () => {
  const c = new StoreCluster();
  await c.boot(['n1', 'n2', 'n3']);
  const leader = c.leader();
  const [f] = c.followers();
  assert.ok(f);
  await assert.rejects(
    c.until(f.store.update((tx) => tx.services.create(newService('s9', 'x')))),
    (e: unknown) => {
      assert.ok(e instanceof NotLeaderError);
      assert.equal(e.code, 'not_leader');
      assert.equal(e.leader, leader.id);
      return true;
    },
  );
  const res = await c.until(
    f.store.batch((b) => b.update((tx) => tx.services.create(newService('s9', 'x')))),
  );
  assert.deepEqual(
    res.failed.map((x) => x.error.code),
    ['not_leader'],
  );
  await c.stopAll();
});

test('a restarted member rebuilds its store from its snapshot and its log, then catches up', async () => {
  const c = new StoreCluster();
  const opts = { snapshotInterval: 4, keepEntries: 2 };
  await c.boot(['n1', 'n2', 'n3'], opts);
  await workload(c);
  const victim = c.followers()[0];
  assert.ok(victim);
  const disk = c.crash(victim.id);
  // The cluster moves on without it.
  const { store } = c.leader();
  for (let i = 0; i < 6; i++) {
    await c.until(store.update((tx) => tx.tasks.create(newTask(`late${i}`, 's1'))));
  }
  const back = await c.add(victim.id, disk, opts);
  const st = back.node.status();
  assert.ok(st.snapshotIndex > 0, 'it started from a snapshot');
  assert.ok(
    back.store.index >= st.snapshotIndex - 4 && back.store.index > 0,
    'the store was restored at start',
  );
  await c.run(2_000);
  assert.ok(back.applied.length > 0, 'and then applied entries after it');
  assert.equal(back.store.index, store.index);
  assert.deepEqual(back.store.stateMachine.snapshot(), store.stateMachine.snapshot());
  assert.equal(
    back.store.view((tx) => tx.tasks.get('late5')?.ServiceID),
    's1',
  );
  await c.stopAll();
});

test("a member that was wiped receives the leader's snapshot and matches", async () => {
  const c = new StoreCluster();
  const opts = { snapshotInterval: 4, keepEntries: 2 };
  await c.boot(['n1', 'n2', 'n3'], opts);
  await workload(c);
  const leader = c.leader();
  const n4 = await c.add('n4', new MemoryStorage(), opts);
  await c.until(leader.node.proposeConfChange({ type: 'addLearner', node: 'n4', address: '10.0.0.4:2377' }));
  await c.run(2_000);
  assert.ok(n4.events.length > 2_500, 'the install was delivered to its watchers as creates');
  assert.deepEqual(n4.store.stateMachine.snapshot(), leader.store.stateMachine.snapshot());
  await c.stopAll();
});

test('proposals cut off by a partition fail honestly; the replicas stay equal', async () => {
  const c = new StoreCluster();
  await c.boot(['n1', 'n2', 'n3']);
  const old = c.leader();
  await c.until(old.store.update((tx) => tx.services.create(newService('s1', 'web'))));
  const others = c.followers().map((m) => m.id);
  c.net.partition([[old.id], others]);
  const lost = old.store.batch((b) => {
    for (let i = 0; i < 50; i++) b.update((tx) => tx.tasks.create(newTask(`x${i}`, 's1')));
  });
  const res = await c.until(lost, 30_000);
  assert.equal(res.applied, 0);
  assert.equal(res.failed.length, 50);
  assert.ok(
    res.failed.every((f) => ['timeout', 'unavailable', 'cancelled', 'not_leader'].includes(f.error.code)),
  );
  c.net.heal();
  await c.run(3_000);
  const leader = c.leader();
  await c.until(leader.store.update((tx) => tx.tasks.create(newTask('after', 's1'))));
  await c.run(1_000);
  const snap = leader.store.stateMachine.snapshot();
  for (const m of c.members.values()) assert.deepEqual(m.store.stateMachine.snapshot(), snap, m.id);
  assert.equal(
    leader.store.view((tx) => tx.tasks.byService('s1').length),
    1,
  );
  await c.stopAll();
});
