// Batches: many small transactions in few bounded entries, each succeeding or failing
// alone; later ones see earlier ones' writes, across entries too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError, ShoalError } from '../base/errors.ts';
import { decodeEntry } from './entry.ts';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
import { LocalProposer, type Proposer } from './proposer.ts';
import { ManualClock, newService, newTask } from './testing.ts';

interface Recorded {
  store: MemoryStore;
  sizes: number[];
  actions: number[];
  /** Makes the n-th proposal (0-based) fail as a lost leadership would. */
  failAt: Set<number>;
}

function recordingStore(opts: Partial<MemoryStoreOptions> = {}): Recorded {
  const store = new MemoryStore({ clock: new ManualClock(), freeze: true, ...opts });
  const local = new LocalProposer(store.stateMachine);
  const r: Recorded = { store, sizes: [], actions: [], failAt: new Set() };
  const p: Proposer = {
    propose(payload) {
      const n = r.sizes.length;
      r.sizes.push(payload.byteLength);
      r.actions.push(decodeEntry(payload).x.reduce<number>((a, tx) => a + (tx as unknown[]).length, 0));
      if (r.failAt.has(n)) return Promise.reject(new ShoalError('not_leader', 'raft: not the leader'));
      return local.propose(payload);
    },
  };
  store.setProposer(p);
  return r;
}

test('2,500 one-task transactions become three entries of at most 1,000 actions', async () => {
  const { store, actions } = recordingStore();
  const res = await store.batch((b) => {
    for (let i = 0; i < 2_500; i++)
      b.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web', { Slot: i + 1 })));
  });
  assert.deepEqual(res, { applied: 2_500, failed: [], entries: 3 });
  assert.deepEqual(actions, [1_000, 1_000, 500]);
  assert.equal(
    store.view((tx) => tx.tasks.byService('web').length),
    2_500,
  );
});

test('entries stay under the byte bound; a transaction bigger than it goes alone', async () => {
  const { store, sizes } = recordingStore({ maxEntryBytes: 4_096 });
  const big = 'x'.repeat(6_000);
  const res = await store.batch((b) => {
    for (let i = 0; i < 40; i++) b.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web')));
    b.update((tx) => tx.tasks.create(newTask('big', 'web', { Labels: { big } })));
    b.update((tx) => tx.tasks.create(newTask('after', 'web')));
  });
  assert.equal(res.applied, 42);
  assert.ok(res.entries >= 3);
  const overhead = 64;
  for (const [i, n] of sizes.entries()) {
    if (n > 4_096 + overhead) assert.ok(n > 6_000, `entry ${i} is ${n} bytes`);
  }
});

test('each small transaction fails alone: at write time and at apply time', async () => {
  const { store } = recordingStore();
  await store.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.tasks.create(newTask('t1', 's1'));
  });
  const stale = store.view((tx) => tx.tasks.get('t1'));
  assert.ok(stale);
  // Someone else updates t1 while the batch is being built.
  const other = store.update((tx) => {
    const t = tx.tasks.get('t1');
    assert.ok(t);
    tx.tasks.update({ ...t, NodeID: 'n9' });
  });
  const res = await store.batch((b) => {
    b.update((tx) => tx.tasks.create(newTask('t2', 's1'))); // 0: ok
    b.update((tx) => tx.services.create(newService('s2', 'WEB'))); // 1: name clash, seen now
    b.update((tx) => tx.tasks.update({ ...stale, DesiredState: 'shutdown' })); // 2: stale at apply
    b.update((tx) => {
      tx.tasks.create(newTask('t3', 's1')); // 3: throws after a write: rolled back
      tx.tasks.delete('nope');
    });
    b.update((tx) => tx.tasks.create(newTask('t4', 's1'))); // 4: ok
  });
  await other;
  assert.equal(res.applied, 2);
  assert.deepEqual(
    res.failed.map((f) => [f.tx, f.error.code]),
    [
      [1, 'already_exists'],
      [2, 'conflict'],
      [3, 'not_found'],
    ],
  );
  store.view((tx) => {
    assert.deepEqual(
      tx.tasks
        .all()
        .map((t) => t.ID)
        .sort(),
      ['t1', 't2', 't4'],
    );
    assert.equal(tx.tasks.get('t1')?.NodeID, 'n9');
  });
});

test("later transactions see earlier ones' writes, within and across entries", async () => {
  const { store, actions } = recordingStore({ maxEntryActions: 4 });
  await store.update((tx) => tx.tasks.create(newTask('t0', 'web')));
  const res = await store.batch((b) => {
    for (let i = 1; i <= 4; i++) b.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web')));
    // t0 (stored), t1 and t4 (created in chunk 0) are updated twice each: the first round
    // refers to chunk 0 from chunk 1; the second to chunk 1 from chunk 1 itself (t0) and
    // from chunk 2 (t1, t4).
    for (let round = 0; round < 2; round++) {
      for (const id of ['t0', 't1', 't4']) {
        b.update((tx) => {
          const t = tx.tasks.get(id);
          assert.ok(t);
          tx.tasks.update({ ...t, Labels: { round: String(round) } });
        });
      }
    }
    b.update((tx) => {
      assert.equal(tx.tasks.count(), 5);
      assert.deepEqual(tx.tasks.byLabel('round', '1').length, 3);
      tx.tasks.delete('t1');
    });
  });
  assert.deepEqual(res.failed, []);
  assert.equal(res.applied, 11);
  assert.deepEqual(actions, [1, 4, 4, 3]);
  store.view((tx) => {
    assert.deepEqual(
      tx.tasks
        .all()
        .map((t) => t.ID)
        .sort(),
      ['t0', 't2', 't3', 't4'],
    );
    for (const id of ['t0', 't4']) assert.deepEqual(tx.tasks.get(id)?.Labels, { round: '1' });
  });
});

test('a transaction depending on a write that failed at apply fails too', async () => {
  const { store } = recordingStore({ maxEntryActions: 1 });
  await store.update((tx) => tx.services.create(newService('s1', 'web')));
  const s1 = store.view((tx) => tx.services.get('s1'));
  assert.ok(s1);
  const racing = store.update((tx) => {
    const cur = tx.services.get('s1');
    assert.ok(cur);
    tx.services.update({ ...cur, Spec: { ...cur.Spec, Labels: { x: 'racer' } } });
  });
  const res = await store.batch((b) => {
    b.update((tx) => tx.services.update({ ...s1, Spec: { ...s1.Spec, Labels: { x: 'batch-1' } } }));
    b.update((tx) => {
      const cur = tx.services.get('s1');
      assert.ok(cur);
      tx.services.update({ ...cur, Spec: { ...cur.Spec, Labels: { x: 'batch-2' } } });
    });
  });
  await racing;
  assert.deepEqual(
    res.failed.map((f) => [f.tx, f.error.code]),
    [
      [0, 'conflict'],
      [1, 'conflict'],
    ],
  );
  assert.deepEqual(
    store.view((tx) => tx.services.get('s1')?.Spec.Labels),
    { x: 'racer' },
  );
});

test('a lost proposal fails its transactions and those that depend on them', async () => {
  const r = recordingStore({ maxEntryActions: 2 });
  r.failAt.add(0);
  const res = await r.store.batch((b) => {
    b.update((tx) => tx.tasks.create(newTask('a', 'web')));
    b.update((tx) => tx.tasks.create(newTask('b', 'web')));
    b.update((tx) => tx.tasks.create(newTask('c', 'web'))); // chunk 1: independent
    b.update((tx) => {
      const a = tx.tasks.get('a');
      assert.ok(a);
      tx.tasks.update({ ...a, DesiredState: 'shutdown' }); // chunk 1: depends on chunk 0
    });
  });
  assert.equal(res.applied, 0, 'chunk 1 waited for chunk 0, which failed');
  assert.deepEqual(
    res.failed.map((f) => [f.tx, f.error.code]),
    [
      [0, 'not_leader'],
      [1, 'not_leader'],
      [2, 'not_leader'],
      [3, 'not_leader'],
    ],
  );
  assert.equal(res.entries, 1);
  // Without the dependency the second chunk goes through on its own.
  const r2 = recordingStore({ maxEntryActions: 2 });
  r2.failAt.add(0);
  const res2 = await r2.store.batch((b) => {
    for (const id of ['a', 'b', 'c']) b.update((tx) => tx.tasks.create(newTask(id, 'web')));
  });
  assert.equal(res2.applied, 1);
  assert.deepEqual(
    r2.store.view((tx) => tx.tasks.all().map((t) => t.ID)),
    ['c'],
  );
});

test('a bug in a callback (not a ShoalError) aborts the whole batch; nothing is proposed', async () => {
  const r = recordingStore();
  await assert.rejects(
    r.store.batch((b) => {
      b.update((tx) => tx.tasks.create(newTask('a', 'web')));
      b.update(() => {
        throw new TypeError('oops');
      });
    }),
    TypeError,
  );
  assert.equal(r.sizes.length, 0);
  const empty = await r.store.batch(() => {});
  assert.deepEqual(empty, { applied: 0, failed: [], entries: 0 });
  const noop = await r.store.batch((b) => {
    b.update((tx) => tx.tasks.count());
  });
  assert.deepEqual(noop, { applied: 1, failed: [], entries: 0 });
  assert.ok(isShoalError(new ShoalError('conflict', 'x')));
});

test('counts inside a batch follow its writes and its rolled-back transactions', async () => {
  const { store } = recordingStore();
  await store.update((tx) => {
    tx.tasks.create(newTask('a', 'web'));
    tx.tasks.create(newTask('b', 'web'));
  });
  const counts: number[] = [];
  await store.batch((b) => {
    b.update((tx) => {
      tx.tasks.create(newTask('c', 'web'));
      tx.tasks.delete('a');
      tx.tasks.delete('c');
      counts.push(tx.tasks.count()); // b
    });
    b.update((tx) => {
      tx.tasks.create(newTask('d', 'web'));
      tx.tasks.delete('b');
      throw new ShoalError('cancelled', 'changed my mind');
    });
    b.update((tx) => {
      const t = tx.tasks.get('b');
      assert.ok(t);
      tx.tasks.update(t, { DesiredState: 'shutdown' });
      tx.tasks.create(newTask('a', 'web'));
      counts.push(tx.tasks.count()); // b, a
    });
  });
  assert.deepEqual(counts, [1, 2]);
  assert.equal(
    store.view((tx) => tx.tasks.count()),
    2,
  );
});
