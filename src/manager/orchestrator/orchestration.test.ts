import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_S } from '../../api/meta.ts';
import type { Node } from '../../api/node.ts';
import type { MemoryStore } from '../../store/memory-store.ts';
import { Orchestration } from './orchestration.ts';
import { groupBySlot } from './task.ts';
import { addNodes, FakeWorld, harness, replicatedService, tasksOf, updateSpec, wanted } from './testing.ts';

async function setup(nodes: string[]) {
  const h = harness();
  await addNodes(h.store, nodes);
  const all = new Orchestration(h);
  all.start();
  const world = new FakeWorld(h.store);
  world.start();
  const done = async () => {
    await world.stop();
    await all.stop();
    assert.equal(h.clock.live, 0, 'no timer left behind');
  };
  return { ...h, all, done };
}

const running = (store: MemoryStore, svc: string) =>
  tasksOf(store, svc).filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');

describe('orchestration (every component, through the store only)', () => {
  it('rolling updates one slot at a time; the reaper keeps 5 tasks per slot', async () => {
    const { store, clock, done } = await setup(['a', 'b']);
    await store.update((tx) =>
      tx.services.create(
        replicatedService('web', 2, {
          UpdateConfig: { Parallelism: 1, Delay: 2 * NS_PER_S, Monitor: NS_PER_S },
        }),
      ),
    );
    await clock.advance(1_000);
    for (let v = 1; v <= 7; v++) {
      await updateSpec(store, 'web', (s) => ({
        ...s,
        TaskTemplate: { ContainerSpec: { Image: `app:${v}` } },
      }));
      await clock.advance(10_000);
      assert.equal(
        store.view((tx) => tx.services.get('web'))?.UpdateStatus?.State,
        'completed',
        `update ${v}`,
      );
      assert.deepEqual(
        running(store, 'web').map((t) => t.Spec.ContainerSpec?.Image),
        [`app:${v}`, `app:${v}`],
      );
    }
    await clock.advance(1_000);
    const slots = groupBySlot(tasksOf(store, 'web'));
    assert.deepEqual([...slots.keys()].sort(), [1, 2]);
    for (const [slot, ts] of slots) {
      assert.equal(ts.length, 5, `slot ${slot}: 1 running and 4 in history`);
      assert.equal(ts.filter((t) => t.Status.State === 'running').length, 1);
    }
    await done();
  });

  it('a label change moves tasks: the enforcer shuts them down, the orchestrator replaces them elsewhere', async () => {
    const { store, clock, done } = await setup(['a', 'b']);
    for (const id of ['a', 'b'])
      await store.update((tx) => {
        const n = tx.nodes.get(id);
        if (n) tx.nodes.update(n, { Spec: { ...n.Spec, Labels: { zone: id === 'a' ? 'east' : 'west' } } });
      });
    await store.update((tx) =>
      tx.services.create(
        replicatedService('web', 2, {
          TaskTemplate: {
            ContainerSpec: { Image: 'x:1' },
            Placement: { Constraints: ['node.labels.zone!=south'] },
          },
        }),
      ),
    );
    await clock.advance(1_000);
    const onA = running(store, 'web').filter((t) => t.NodeID === 'a');
    assert.equal(onA.length, 1);
    await store.update((tx) => {
      const n = tx.nodes.get('a');
      if (n) tx.nodes.update(n, { Spec: { ...(n.Spec as Node['Spec']), Labels: { zone: 'south' } } });
    });
    await clock.advance(6_000);
    const now = running(store, 'web');
    assert.equal(now.length, 2);
    assert.ok(
      now.every((t) => t.NodeID === 'b'),
      'both on b now',
    );
    assert.equal(store.view((tx) => tx.tasks.get(onA[0]?.ID ?? ''))?.Status.State, 'shutdown');
    await done();
  });

  it('scale down: surplus tasks stop, then the reaper deletes them', async () => {
    const { store, clock, done } = await setup(['a', 'b', 'c']);
    await store.update((tx) => tx.services.create(replicatedService('web', 6)));
    await clock.advance(1_000);
    assert.equal(running(store, 'web').length, 6);
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 3 } } }));
    await clock.advance(1_000);
    assert.equal(tasksOf(store, 'web').length, 3, 'removed tasks deleted once their agents stopped them');
    const perNode = new Map<string, number>();
    for (const t of wanted(store, 'web')) perNode.set(t.NodeID ?? '', (perNode.get(t.NodeID ?? '') ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [1, 1, 1], 'busiest nodes gave up theirs');
    await done();
  });

  it('once stopped, nothing reacts any more (no subscription, no timer left)', async () => {
    const { store, clock, all, done } = await setup(['a']);
    await all.stop();
    await store.update((tx) => tx.services.create(replicatedService('late', 2)));
    await clock.advance(10_000);
    assert.equal(tasksOf(store, 'late').length, 0);
    assert.equal(clock.live, 0);
    await done();
  });

  it('a drained node empties; its tasks come back elsewhere', async () => {
    const { store, clock, done } = await setup(['a', 'b']);
    await store.update((tx) => tx.services.create(replicatedService('web', 4)));
    await clock.advance(1_000);
    await store.update((tx) => {
      const n = tx.nodes.get('a');
      if (n) tx.nodes.update(n, { Spec: { ...n.Spec, Availability: 'drain' } });
    });
    await clock.advance(1_000);
    const now = running(store, 'web');
    assert.equal(now.length, 4);
    assert.ok(now.every((t) => t.NodeID === 'b'));
    assert.deepEqual(now.map((t) => t.Slot).sort(), [1, 2, 3, 4], 'the same slots, replaced');
    await done();
  });
});
