/**
 * Assignment streams, through a real dispatcher and store, seen by a scripted agent: the
 * COMPLETE set, then INCREMENTAL changes in sequence; what is forwarded and what is not;
 * removals; secrets and configs by reference count; batching.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../api/task.ts';
import type { Stored } from '../../store/index.ts';
import { newConfig, newSecret } from '../../store/testing.ts';
import type { Assignments } from './protocol.ts';
import { assignedTask, type Harness, harness, RawAgent, status } from './testkit.ts';

const ids = (xs: ReadonlyArray<{ ID: string }>): string[] => xs.map((x) => x.ID).sort();

async function connected(h: Harness, nodeId = 'n1'): Promise<RawAgent> {
  const a = new RawAgent(h, nodeId);
  assert.ok(await a.join(), 'await a.join()');
  return a;
}

/** The next INCREMENTAL message after `n` assignment messages (waits for it). */
async function nextIncremental(h: Harness, a: RawAgent, n: number): Promise<Assignments> {
  assert.ok(await h.run(() => a.all('assignments').length > n, 5_000), 'an incremental message');
  const m = a.all('assignments')[n] as Assignments;
  assert.equal(m.type, 'incremental');
  return m;
}

async function update(h: Harness, id: string, changes: Partial<Stored<Task>>): Promise<void> {
  await h.store.update((tx) => {
    const t = tx.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    tx.tasks.update(t, changes);
  });
}

describe('Assignments', () => {
  it('the COMPLETE set holds the tasks ASSIGNED and on, except those removed and done', async () => {
    const h = harness();
    await h.store.update((tx) => {
      tx.tasks.create(assignedTask('t1', 'n1'));
      tx.tasks.create(assignedTask('t2', 'n1', { Status: status('running') }));
      tx.tasks.create(assignedTask('t3', 'n1', { Status: status('pending') }));
      tx.tasks.create(assignedTask('t4', 'n2'));
      tx.tasks.create(assignedTask('t5', 'n1', { Status: status('complete'), DesiredState: 'remove' }));
      tx.tasks.create(assignedTask('t6', 'n1', { Status: status('failed'), DesiredState: 'shutdown' }));
    });
    const a = await connected(h);
    const m = a.last('assignments');
    assert.ok(m, 'm');
    assert.equal(m.type, 'complete');
    assert.equal(m.seq, 1);
    assert.equal(m.appliesTo, 0);
    assert.deepEqual(ids(m.tasks.update), ['t1', 't2', 't6']);
    assert.deepEqual(m.tasks.remove, []);
  });

  it('then INCREMENTAL changes in sequence: assignment, desired state, removal', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    const a = await connected(h);
    // The scheduler assigns t2 (created PENDING): one message.
    await h.store.update((tx) =>
      tx.tasks.create(assignedTask('t2', '', { NodeID: undefined, Status: status('pending') })),
    );
    await update(h, 't2', { NodeID: 'n1', Status: status('assigned') });
    const m2 = await nextIncremental(h, a, 1);
    assert.deepEqual([m2.seq, m2.appliesTo], [2, 1]);
    assert.deepEqual(ids(m2.tasks.update), ['t2']);
    // An orchestrator asks t1 to shut down.
    await update(h, 't1', { DesiredState: 'shutdown' });
    const m3 = await nextIncremental(h, a, 2);
    assert.deepEqual([m3.seq, m3.appliesTo], [3, 2]);
    assert.equal(m3.tasks.update[0]?.DesiredState, 'shutdown');
    // The reaper deletes t1: removal.
    await h.store.update((tx) => tx.tasks.delete('t1'));
    const m4 = await nextIncremental(h, a, 3);
    assert.deepEqual(m4.tasks.remove, ['t1']);
    assert.deepEqual(m4.tasks.update, []);
  });

  it('status changes the agent itself reported are not echoed back', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    const a = await connected(h);
    a.report({ taskId: 't1', status: status('accepted') });
    await h.run(() => h.taskState('t1') === 'accepted', 5_000);
    a.report({ taskId: 't1', status: status('running') });
    await h.run(() => h.taskState('t1') === 'running', 5_000);
    await h.advance(1_000);
    assert.equal(a.all('assignments').length, 1, 'only the COMPLETE set');
  });

  it('a task that reached desired REMOVE and a terminal state is removed from the node', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1', { Status: status('running') })));
    const a = await connected(h);
    await update(h, 't1', { DesiredState: 'remove' });
    const m2 = await nextIncremental(h, a, 1);
    assert.equal(m2.tasks.update[0]?.DesiredState, 'remove', 'first: stop it');
    a.report({ taskId: 't1', status: status('shutdown') });
    const m3 = await nextIncremental(h, a, 2);
    assert.deepEqual(m3.tasks.remove, ['t1'], 'then: remove it');
  });

  it('a task moved to another node leaves one stream and joins the other', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    const a = await connected(h, 'n1');
    const b = await connected(h, 'n2');
    await update(h, 't1', { NodeID: 'n2' });
    const ma = await nextIncremental(h, a, 1);
    const mb = await nextIncremental(h, b, 1);
    assert.deepEqual(ma.tasks.remove, ['t1']);
    assert.deepEqual(ids(mb.tasks.update), ['t1']);
  });

  it('changes close together go in one message; many go at once', async () => {
    const h = harness({ dispatcher: { maxAssignmentChanges: 50 } });
    const a = await connected(h);
    await h.store.batch((b) => {
      for (let i = 0; i < 10; i++) b.update((tx) => tx.tasks.create(assignedTask(`t${i}`, 'n1')));
    });
    await h.store.update((tx) => tx.tasks.create(assignedTask('t10', 'n1')));
    const m = await nextIncremental(h, a, 1);
    assert.equal(m.tasks.update.length, 11, 'two store entries, one message');
    const t0 = h.vt.now;
    await h.store.batch((b) => {
      for (let i = 11; i < 61; i++) b.update((tx) => tx.tasks.create(assignedTask(`t${i}`, 'n1')));
    });
    await nextIncremental(h, a, 2);
    assert.ok(h.vt.now - t0 < 50, 'sent without waiting for the batching delay');
  });

  it('an idle node hears of a change at once; changes right after a send wait for the window', async () => {
    const h = harness();
    const a = await connected(h);
    await h.advance(200);
    const t0 = h.vt.now;
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    const m2 = await nextIncremental(h, a, 1);
    assert.deepEqual(ids(m2.tasks.update), ['t1']);
    assert.ok(h.vt.now - t0 < 10, `not held back by the batching delay (${h.vt.now - t0} ms)`);
    const t1 = h.vt.now;
    await h.store.update((tx) => tx.tasks.create(assignedTask('t2', 'n1')));
    await h.store.update((tx) => tx.tasks.create(assignedTask('t3', 'n1')));
    const m3 = await nextIncremental(h, a, 2);
    assert.deepEqual(ids(m3.tasks.update), ['t2', 't3'], 'gathered into one message');
    assert.ok(h.vt.now - t1 >= 45, `one message per node per 50 ms (${h.vt.now - t1} ms)`);
  });

  it('secrets and configs are sent while a live task refers to them', async () => {
    const h = harness();
    const refs = {
      Secrets: [{ SecretID: 's1', SecretName: 'pw' }],
      Configs: [{ ConfigID: 'c1', ConfigName: 'conf' }],
    };
    const spec = { ContainerSpec: { Image: 'nginx:1.27', ...refs } };
    await h.store.update((tx) => {
      tx.secrets.create(newSecret('s1', 'pw'));
      tx.configs.create(newConfig('c1', 'conf'));
      tx.tasks.create(assignedTask('t1', 'n1', { Spec: spec }));
      tx.tasks.create(
        assignedTask('t2', 'n1', { Spec: { ContainerSpec: { Image: 'x', Secrets: refs.Secrets } } }),
      );
    });
    const a = await connected(h);
    const m1 = a.last('assignments');
    assert.deepEqual(ids(m1?.secrets.update ?? []), ['s1']);
    assert.equal(m1?.secrets.update[0]?.Spec.Data, 'c2VjcmV0', 'the agent gets the data');
    assert.deepEqual(ids(m1?.configs.update ?? []), ['c1']);
    // t1 ends: c1 is no longer needed, s1 still is (t2).
    a.report({ taskId: 't1', status: status('failed') });
    const m2 = await nextIncremental(h, a, 1);
    assert.deepEqual(m2.configs.remove, ['c1']);
    assert.deepEqual(m2.secrets.remove, []);
    assert.deepEqual(m2.tasks.update, [], 'the failure was the agent’s own report');
    // t2 is deleted: s1 goes too.
    await h.store.update((tx) => tx.tasks.delete('t2'));
    const m3 = await nextIncremental(h, a, 2);
    assert.deepEqual(m3.secrets.remove, ['s1']);
    assert.deepEqual(m3.tasks.remove, ['t2']);
    // A new task that uses s1 brings it back.
    await h.store.update((tx) => tx.tasks.create(assignedTask('t3', 'n1', { Spec: spec })));
    const m4 = await nextIncremental(h, a, 3);
    assert.deepEqual(ids(m4.secrets.update), ['s1']);
    assert.deepEqual(ids(m4.configs.update), ['c1']);
  });

  it('a new session starts over with a COMPLETE set', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    const a = await connected(h);
    a.link?.close();
    await h.run(() => h.nodeState('n1') === 'disconnected', 1_000);
    await update(h, 't1', { DesiredState: 'shutdown' });
    await h.store.update((tx) => tx.tasks.create(assignedTask('t2', 'n1')));
    assert.ok(await a.join(), 'await a.join()');
    const m = a.last('assignments');
    assert.equal(m?.type, 'complete');
    assert.equal(m?.seq, 1);
    assert.deepEqual(ids(m?.tasks.update ?? []), ['t1', 't2']);
    assert.equal(m?.tasks.update.find((t) => t.ID === 't1')?.DesiredState, 'shutdown');
  });
});
