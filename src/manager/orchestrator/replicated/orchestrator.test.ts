import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addNodes,
  FakeWorld,
  harness,
  replicatedService,
  runTask,
  setTaskState,
  settle,
  tasksOf,
  updateSpec,
  wanted,
} from '../testing.ts';
import { ReplicatedOrchestrator } from './orchestrator.ts';

async function setup(seed = 1) {
  const h = harness(seed);
  const orch = new ReplicatedOrchestrator(h);
  orch.start();
  return { ...h, orch };
}

const slots = (ts: { Slot?: number }[]) => ts.map((t) => t.Slot).sort((a, b) => (a ?? 0) - (b ?? 0));

describe('replicated orchestrator', () => {
  it('creates one task per slot, 1..n, as the service asks', async () => {
    const { store, orch, clock } = await setup();
    await store.update((tx) => tx.services.create(replicatedService('web', 3)));
    await settle();
    const ts = tasksOf(store, 'web');
    assert.deepEqual(slots(ts), [1, 2, 3]);
    for (const t of ts) {
      assert.equal(t.DesiredState, 'running');
      assert.equal(t.Status.State, 'new');
      assert.equal(t.Status.Message, 'created');
      assert.equal(t.SpecVersion?.Index, 1);
      assert.equal(t.ServiceAnnotations?.Name, 'web');
      assert.deepEqual(t.Spec, { ContainerSpec: { Image: 'nginx:1.27' } });
      assert.equal(t.NodeID, undefined);
    }
    await orch.stop();
    assert.equal(clock.live, 0);
  });

  it('scales up into the lowest free slots and reuses a freed one', async () => {
    const { store, orch } = await setup();
    await store.update((tx) => tx.services.create(replicatedService('web', 3)));
    await settle();
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 2 } } }));
    await settle();
    assert.deepEqual(slots(wanted(store, 'web')), [1, 2], 'unassigned tasks go first, highest slot first');
    const removed = tasksOf(store, 'web').filter((t) => t.DesiredState === 'remove');
    assert.deepEqual(slots(removed), [3]);
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 4 } } }));
    await settle();
    assert.deepEqual(slots(wanted(store, 'web')), [1, 2, 3, 4]);
    await orch.stop();
  });

  it('removes the surplus from the busiest nodes first, not-yet-running tasks before that', async () => {
    const { store, orch } = await setup();
    await addNodes(store, ['a', 'b', 'c']);
    await store.update((tx) => tx.services.create(replicatedService('web', 6)));
    await settle();
    // play the scheduler and the agents: a gets 3, b 2, c 1; slot 6 (on b) is only starting
    const placement: Record<number, string> = { 1: 'a', 2: 'a', 3: 'a', 4: 'b', 5: 'c', 6: 'b' };
    await store.batch((b) => {
      for (const t of tasksOf(store, 'web'))
        b.update((tx) => {
          const cur = tx.tasks.get(t.ID);
          if (!cur) return;
          const state = cur.Slot === 6 ? 'starting' : 'running';
          tx.tasks.update(cur, { NodeID: placement[cur.Slot ?? 0], Status: { ...cur.Status, State: state } });
        });
    });
    await settle();
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 3 } } }));
    await settle();
    const left = wanted(store, 'web');
    // slot 6 (not running) first, then two from a (the 3rd and 2nd task there)
    assert.deepEqual(slots(left), [1, 4, 5]);
    const byNode = new Map<string, number>();
    for (const t of left) byNode.set(t.NodeID ?? '', (byNode.get(t.NodeID ?? '') ?? 0) + 1);
    assert.deepEqual([...byNode.values()], [1, 1, 1]);
    await orch.stop();
  });

  it('with restart condition none, a slot given up by a scale-down is free for the next scale-up', async () => {
    const { store, orch } = await setup();
    await addNodes(store, ['a', 'b']);
    await store.update((tx) =>
      tx.services.create(
        replicatedService('web', 3, {
          TaskTemplate: { ContainerSpec: { Image: 'x:1' }, RestartPolicy: { Condition: 'none' } },
        }),
      ),
    );
    await settle();
    for (const t of tasksOf(store, 'web')) await runTask(store, t.ID, t.Slot === 3 ? 'b' : 'a');
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 2 } } }));
    await settle();
    assert.deepEqual(slots(wanted(store, 'web')), [1, 3], 'a had two: its second (slot 2) goes');
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 3 } } }));
    await settle();
    assert.deepEqual(slots(wanted(store, 'web')), [1, 2, 3]);
    await orch.stop();
  });

  it('retries a write lost to a concurrent one (a status report racing a scale-down)', async () => {
    const { store, orch, lines } = await setup();
    await addNodes(store, ['a']);
    await store.update((tx) => tx.services.create(replicatedService('web', 3)));
    await settle();
    for (const t of tasksOf(store, 'web')) await runTask(store, t.ID, 'a');
    let raced = 0;
    // an agent's report written while the orchestrator decides: same versions, applied first
    const unsubscribe = store.subscribe((events) => {
      if (raced > 0 || !events.some((e) => e.table === 'services')) return;
      raced++;
      void store.batch((b) => {
        for (const t of tasksOf(store, 'web'))
          b.update((tx) => {
            const cur = tx.tasks.get(t.ID);
            if (cur) tx.tasks.update(cur, { Status: { ...cur.Status, Message: 'still running' } });
          });
      });
    });
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 1 } } }));
    await settle();
    unsubscribe();
    assert.equal(raced, 1);
    assert.ok(
      lines.some((l) => l.msg.includes('skipped') && l.fields.code === 'conflict'),
      'the first try conflicted',
    );
    assert.equal(wanted(store, 'web').length, 1);
    await orch.stop();
  });

  it('marks every task REMOVE when the service is deleted', async () => {
    const { store, orch } = await setup();
    await store.update((tx) => tx.services.create(replicatedService('web', 2)));
    await settle();
    await store.update((tx) => tx.services.delete('web'));
    await settle();
    const ts = tasksOf(store, 'web');
    assert.equal(ts.length, 2);
    assert.ok(ts.every((t) => t.DesiredState === 'remove'));
    await orch.stop();
  });

  it('replaces a failed task in the same slot after the restart delay', async () => {
    const { store, orch, clock } = await setup();
    await addNodes(store, ['a']);
    const world = new FakeWorld(store);
    world.start();
    await store.update((tx) => tx.services.create(replicatedService('web', 1)));
    await settle();
    const [first] = wanted(store, 'web');
    assert.equal(first?.Status.State, 'running');
    await setTaskState(store, first?.ID ?? '', 'failed', 'task: non-zero exit (1)');
    await settle();
    const ts = tasksOf(store, 'web');
    assert.equal(ts.length, 2);
    const repl = ts.find((t) => t.ID !== first?.ID);
    assert.equal(repl?.Slot, 1);
    assert.equal(repl?.DesiredState, 'ready', 'held back for the restart delay');
    assert.equal(store.view((tx) => tx.tasks.get(first?.ID ?? ''))?.DesiredState, 'shutdown');
    await clock.advance(4_999);
    assert.equal(store.view((tx) => tx.tasks.get(repl?.ID ?? ''))?.DesiredState, 'ready');
    await clock.advance(1);
    const now = store.view((tx) => tx.tasks.get(repl?.ID ?? ''));
    assert.equal(now?.DesiredState, 'running');
    assert.equal(now?.Status.State, 'running');
    await world.stop();
    await orch.stop();
    assert.equal(clock.live, 0);
  });
});
