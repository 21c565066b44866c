// Watching: events of each entry, in apply order, after the entry is fully applied;
// filters; viewAndSubscribe with no gap and no overlap even with writes in flight;
// the async iterator and its bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isShoalError } from '../base/errors.ts';
import { memoryLogger } from '../base/logger.ts';
import { newService, newTask, testStore } from './testing.ts';
import type { StoreEvent } from './types.ts';

const brief = (es: readonly StoreEvent[]): string[] =>
  es.map((e) => `${e.kind} ${e.table} ${e.object.ID} @${e.index}`);

test('events arrive per entry, in apply order, with old objects and the entry index', async () => {
  const s = testStore();
  const got: StoreEvent[][] = [];
  s.subscribe((es) => got.push(es));
  await s.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.tasks.create(newTask('t1', 's1'));
  });
  const i1 = s.index;
  const t1 = s.view((tx) => tx.tasks.get('t1'));
  assert.ok(t1);
  const p2 = s.update((tx) => tx.tasks.update({ ...t1, DesiredState: 'shutdown' }));
  const p3 = s.update((tx) => tx.tasks.delete('t1'));
  await Promise.all([p2, p3]);
  assert.deepEqual(got.map(brief), [
    [`create services s1 @${i1}`, `create tasks t1 @${i1}`],
    [`update tasks t1 @${i1 + 1}`],
    [`delete tasks t1 @${i1 + 2}`],
  ]);
  const upd = got[1]?.[0];
  assert.ok(upd?.kind === 'update' && upd.table === 'tasks');
  assert.equal(upd.old?.DesiredState, 'running');
  assert.equal(upd.object.DesiredState, 'shutdown');
});

test('filters by table, kind and predicate; unsubscribe stops delivery', async () => {
  const s = testStore();
  const tasks: string[] = [];
  const deletes: string[] = [];
  const web: string[] = [];
  const off = s.subscribe((es) => tasks.push(...brief(es)), { tables: ['tasks'] });
  s.subscribe((es) => deletes.push(...brief(es)), { kinds: ['delete'] });
  s.subscribe((es) => web.push(...brief(es)), {
    match: (e) => e.table === 'tasks' && e.object.ServiceID === 'web',
  });
  await s.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.tasks.create(newTask('t1', 'web'));
    tx.tasks.create(newTask('t2', 'api'));
  });
  off();
  await s.update((tx) => tx.tasks.delete('t1'));
  assert.deepEqual(tasks, ['create tasks t1 @1', 'create tasks t2 @1']);
  assert.deepEqual(deletes, ['delete tasks t1 @2']);
  assert.deepEqual(web, ['create tasks t1 @1', 'delete tasks t1 @2']);
});

/** Assertions inside listeners are caught and logged by the store: surface them. */
function noListenerErrors(log: ReturnType<typeof memoryLogger>): void {
  assert.deepEqual(
    log.lines.filter((l) => l.level === 'error').map((l) => l.fields.err),
    [],
  );
}

test('a listener reads the whole entry applied; its own writes apply after the delivery', async () => {
  const log = memoryLogger();
  const s = testStore({ logger: log });
  const order: string[] = [];
  s.subscribe((es) => {
    order.push(`A ${brief(es).join(', ')}`);
    for (const e of es) {
      if (e.kind !== 'create' || e.table !== 'services') continue;
      // Both creates of the entry are visible already.
      assert.equal(
        s.view((tx) => tx.tasks.byService(e.object.ID).length),
        1,
      );
      void s.update((tx) => tx.tasks.create(newTask(`${e.object.ID}-b`, e.object.ID)));
    }
  });
  s.subscribe((es) => order.push(`B ${brief(es).join(', ')}`));
  await s.update((tx) => {
    tx.services.create(newService('s1', 'web'));
    tx.tasks.create(newTask('s1-a', 's1'));
  });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [
    'A create services s1 @1, create tasks s1-a @1',
    'B create services s1 @1, create tasks s1-a @1',
    'A create tasks s1-b @2',
    'B create tasks s1-b @2',
  ]);
  noListenerErrors(log);
});

test('a throwing listener is logged and does not stop the others', async () => {
  const lines = memoryLogger();
  const s = testStore({ logger: lines });
  let got = 0;
  s.subscribe(() => {
    throw new Error('listener bug');
  });
  s.subscribe(() => got++);
  await s.update((tx) => tx.services.create(newService('s1', 'web')));
  assert.equal(got, 1);
  assert.ok(lines.lines.some((l) => l.level === 'error' && l.fields.err === 'listener bug'));
});

test('viewAndSubscribe: the snapshot plus the events equal the final state, with writes in flight', async () => {
  const log = memoryLogger();
  const s = testStore({ logger: log });
  await s.batch((b) => {
    for (let i = 0; i < 50; i++) b.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web')));
  });
  // Writes proposed but not applied yet, and more after the subscription.
  const inFlight = Array.from({ length: 20 }, (_, i) =>
    s.update((tx) => tx.tasks.create(newTask(`u${i}`, 'web'))),
  );
  const mirror = new Map<string, number>();
  let maxIndexSeen = 0;
  const { result, unsubscribe } = s.viewAndSubscribe(
    (tx) => {
      for (const t of tx.tasks.byService('web')) mirror.set(t.ID, t.Version.Index);
      return tx.index;
    },
    (es) => {
      for (const e of es) {
        assert.ok(e.index > result, `event at ${e.index} is not after the view at ${result}`);
        assert.ok(e.index >= maxIndexSeen);
        maxIndexSeen = e.index;
        if (e.kind === 'create') {
          assert.ok(!mirror.has(e.object.ID), `overlap: ${e.object.ID} already in the view`);
          mirror.set(e.object.ID, e.object.Version.Index);
        } else if (e.kind === 'delete') mirror.delete(e.object.ID);
        else mirror.set(e.object.ID, e.object.Version.Index);
      }
    },
    { tables: ['tasks'] },
  );
  assert.equal(mirror.size, 50);
  const more = Array.from({ length: 10 }, (_, i) => s.update((tx) => tx.tasks.delete(`t${i}`)));
  await Promise.all([...inFlight, ...more]);
  unsubscribe();
  const truth = s.view((tx) => new Map(tx.tasks.all().map((t) => [t.ID, t.Version.Index])));
  assert.deepEqual([...mirror].sort(), [...truth].sort());
  assert.equal(truth.size, 60);
  noListenerErrors(log);
});

test('the async iterator yields entries in order and closes cleanly', async () => {
  const s = testStore();
  const { result, watch } = s.viewAndWatch((tx) => tx.tasks.count(), { tables: ['tasks'] });
  assert.equal(result, 0);
  const writes = (async () => {
    for (let i = 0; i < 3; i++) await s.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web')));
  })();
  const seen: string[] = [];
  for await (const es of watch) {
    seen.push(...brief(es));
    if (seen.length === 3) break; // break calls return(): unsubscribes
  }
  await writes;
  assert.deepEqual(seen, ['create tasks t0 @1', 'create tasks t1 @2', 'create tasks t2 @3']);
  await s.update((tx) => tx.tasks.create(newTask('late', 'web')));
  assert.equal(watch.pending, 0, 'closed: nothing queued');
  assert.deepEqual(await watch.next(), { value: undefined, done: true });
});

test('the async iterator fails instead of queueing without bound', async () => {
  const s = testStore();
  const watch = s.watch(undefined, { maxPending: 2 });
  for (let i = 0; i < 3; i++) await s.update((tx) => tx.tasks.create(newTask(`t${i}`, 'web')));
  await assert.rejects(
    watch.next(),
    (e: unknown) => isShoalError(e, 'unavailable') && /fell behind/.test(e.message),
  );
  // A waiting consumer is resolved as done when closed.
  const w2 = s.watch();
  const pending = w2.next();
  w2.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
});
