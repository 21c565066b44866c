import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../../api/task.ts';
import type { TaskState } from '../../../api/task-state.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import { newCluster, newTask } from '../../../store/testing.ts';
import type { NewObject } from '../../../store/types.ts';
import { addNodes, globalService, harness, replicatedService, tasksOf } from '../testing.ts';
import { TaskReaper } from './reaper.ts';

let seq = 0;
function task(service: string, over: Partial<NewObject<Task>> & { state?: TaskState } = {}): NewObject<Task> {
  const { state = 'shutdown', ...rest } = over;
  const id = `t${String(seq++).padStart(4, '0')}`;
  return newTask(id, service, {
    Slot: 1,
    NodeID: 'a',
    DesiredState: 'shutdown',
    Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: state },
    ...rest,
  });
}

async function put(store: MemoryStore, tasks: NewObject<Task>[]): Promise<void> {
  // one entry each: creation stamps follow the order given
  for (const t of tasks) await store.update((tx) => tx.tasks.create(t));
}

async function setup() {
  const h = harness();
  await addNodes(h.store, ['a', 'b']);
  await h.store.update((tx) => tx.services.create(replicatedService('web', 1)));
  const reaper = new TaskReaper(h);
  reaper.start();
  const done = async () => {
    await reaper.stop();
    assert.equal(h.clock.live, 0);
  };
  return { ...h, reaper, done };
}

const ids = (store: MemoryStore, svc: string) =>
  tasksOf(store, svc)
    .map((t) => t.ID)
    .sort();

describe('task reaper', () => {
  it('keeps 5 tasks per slot by default, deleting the oldest stopped ones', async () => {
    const { store, clock, done } = await setup();
    const old = Array.from({ length: 7 }, () => task('web'));
    const current = task('web', { DesiredState: 'running', state: 'running' });
    await put(store, [...old, current]);
    await clock.advance(250);
    assert.deepEqual(ids(store, 'web'), [...old.slice(3).map((t) => t.ID), current.ID].sort());
    await done();
  });

  it('follows the cluster limit, and MaxAttempts + 1 overrides it', async () => {
    const { store, clock, done } = await setup();
    await store.update((tx) =>
      tx.clusters.create({
        ...newCluster('c1'),
        Spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 2 } },
      }),
    );
    await store.update((tx) =>
      tx.services.create(
        replicatedService('retry', 1, {
          TaskTemplate: { ContainerSpec: { Image: 'x' }, RestartPolicy: { MaxAttempts: 3 } },
        }),
      ),
    );
    await put(
      store,
      Array.from({ length: 6 }, () => task('web')),
    );
    await put(
      store,
      Array.from({ length: 6 }, () => task('retry')),
    );
    await clock.advance(250);
    assert.equal(tasksOf(store, 'web').length, 2);
    assert.equal(tasksOf(store, 'retry').length, 4);
    await done();
  });

  it('never deletes a task that still runs or may run, even over the limit', async () => {
    const { store, clock, done } = await setup();
    await put(store, [
      task('web', { DesiredState: 'running', state: 'running' }),
      ...Array.from({ length: 5 }, () => task('web', { state: 'running' })), // told to stop, not stopped
      task('web', { DesiredState: 'shutdown', state: 'new', NodeID: undefined }), // never assigned: goes
    ]);
    await clock.advance(250);
    assert.equal(tasksOf(store, 'web').length, 6);
    await done();
  });

  it('keeps history per node for global services', async () => {
    const { store, clock, done } = await setup();
    await store.update((tx) => tx.services.create(globalService('agent')));
    await put(
      store,
      Array.from({ length: 6 }, () => task('agent', { Slot: undefined, NodeID: 'a' })),
    );
    await put(
      store,
      Array.from({ length: 3 }, () => task('agent', { Slot: undefined, NodeID: 'b' })),
    );
    await clock.advance(250);
    const left = tasksOf(store, 'agent');
    assert.equal(left.filter((t) => t.NodeID === 'a').length, 5);
    assert.equal(left.filter((t) => t.NodeID === 'b').length, 3);
    await done();
  });

  it('deletes tasks desired REMOVE once stopped or if never assigned', async () => {
    const { store, clock, done } = await setup();
    const stopped = task('web', { DesiredState: 'remove', state: 'running', Slot: 2 });
    const unassigned = task('web', { DesiredState: 'remove', state: 'pending', Slot: 3, NodeID: undefined });
    await put(store, [stopped, unassigned]);
    await clock.advance(250);
    assert.deepEqual(ids(store, 'web'), [stopped.ID], 'still running: its agent must stop it first');
    await store.update((tx) => {
      const t = tx.tasks.get(stopped.ID);
      if (t) tx.tasks.update(t, { Status: { ...t.Status, State: 'shutdown' } });
    });
    await clock.advance(250);
    assert.deepEqual(ids(store, 'web'), []);
    await done();
  });

  it('deletes the tasks of a deleted service once they stopped', async () => {
    const { store, clock, done } = await setup();
    const live = task('web', { DesiredState: 'running', state: 'running', Slot: 1 });
    await put(store, [live, task('web', { Slot: 2 })]);
    await store.update((tx) => tx.services.delete('web'));
    await clock.advance(250);
    assert.deepEqual(ids(store, 'web'), [live.ID]);
    await store.update((tx) => {
      const t = tx.tasks.get(live.ID);
      if (t) tx.tasks.update(t, { DesiredState: 'remove', Status: { ...t.Status, State: 'shutdown' } });
    });
    await clock.advance(250);
    assert.deepEqual(ids(store, 'web'), []);
    await done();
  });

  it('at start: cleans up what a previous leader left, and retires tasks of vanished services', async () => {
    const h = harness();
    await addNodes(h.store, ['a']);
    const orphan = task('gone', { DesiredState: 'running', state: 'running' });
    const stopped = task('gone', { Slot: 2 });
    await put(h.store, [orphan, stopped]);
    const reaper = new TaskReaper(h);
    reaper.start();
    await h.clock.advance(0);
    assert.deepEqual(ids(h.store, 'gone'), [orphan.ID]);
    assert.equal(tasksOf(h.store, 'gone')[0]?.DesiredState, 'remove', 'so that its agent stops it');
    await reaper.stop();
  });
});
