import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../api/node.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import {
  addNodes,
  FakeWorld,
  globalService,
  harness,
  setTaskState,
  settle,
  tasksOf,
  updateSpec,
  wanted,
} from '../testing.ts';
import { GlobalOrchestrator } from './orchestrator.ts';

async function setup(nodes: string[]) {
  const h = harness();
  await addNodes(h.store, nodes);
  const orch = new GlobalOrchestrator(h);
  orch.start();
  return { ...h, orch };
}

const onNodes = (store: MemoryStore, svc: string) =>
  wanted(store, svc)
    .map((t) => t.NodeID)
    .sort();

async function editNode(store: MemoryStore, id: string, fn: (n: Node) => Partial<Node>): Promise<void> {
  await store.update((tx) => {
    const n = tx.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    tx.nodes.update(n, fn(structuredClone(n) as Node));
  });
}

describe('global orchestrator', () => {
  it('runs one task per node, created with its node', async () => {
    const { store, orch } = await setup(['a', 'b', 'c']);
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['a', 'b', 'c']);
    for (const t of tasksOf(store, 'agent')) {
      assert.equal(t.Slot, undefined);
      assert.equal(t.DesiredState, 'running');
    }
    await orch.stop();
  });

  it('follows nodes joining and leaving', async () => {
    const { store, orch } = await setup(['a']);
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    await addNodes(store, ['b']);
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['a', 'b']);
    await store.update((tx) => tx.nodes.delete('a'));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['b']);
    const gone = tasksOf(store, 'agent').find((t) => t.NodeID === 'a');
    assert.equal(gone?.DesiredState, 'remove', 'its node will never report: the reaper deletes it');
    await orch.stop();
  });

  it('drain shuts the task down; pause keeps it but places none; active again brings it back', async () => {
    const { store, orch } = await setup(['a', 'b']);
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['b']);
    await editNode(store, 'b', (n) => ({ Spec: { ...n.Spec, Availability: 'pause' } }));
    await addNodes(store, ['c'], { Spec: { Role: 'worker', Availability: 'pause' } });
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['b'], 'b keeps its task, c gets none');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'active' } }));
    await editNode(store, 'c', (n) => ({ Spec: { ...n.Spec, Availability: 'active' } }));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['a', 'b', 'c']);
    await orch.stop();
  });

  it('a node that goes down loses its task; back ready, it gets a new one', async () => {
    const { store, orch } = await setup(['a', 'b']);
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    const first = wanted(store, 'agent').find((t) => t.NodeID === 'a');
    await editNode(store, 'a', () => ({ Status: { State: 'down' } }));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['b']);
    await editNode(store, 'a', () => ({ Status: { State: 'ready' } }));
    await settle();
    const again = wanted(store, 'agent').find((t) => t.NodeID === 'a');
    assert.ok(again && again.ID !== first?.ID);
    await orch.stop();
  });

  it('places only on nodes matching the constraints, and follows label changes', async () => {
    const { store, orch } = await setup(['a', 'b']);
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Labels: { zone: 'east' } } }));
    await store.update((tx) =>
      tx.services.create(
        globalService('agent', {
          TaskTemplate: {
            ContainerSpec: { Image: 'x:1' },
            Placement: { Constraints: ['node.labels.zone==east'] },
          },
        }),
      ),
    );
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['a']);
    await editNode(store, 'b', (n) => ({ Spec: { ...n.Spec, Labels: { zone: 'east' } } }));
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Labels: { zone: 'west' } } }));
    await settle();
    assert.deepEqual(onNodes(store, 'agent'), ['b']);
    await orch.stop();
  });

  it('restarts a failed task on the same node', async () => {
    const { store, orch, clock } = await setup(['a']);
    const world = new FakeWorld(store);
    world.start();
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    const [t] = wanted(store, 'agent');
    assert.equal(t?.Status.State, 'running');
    await setTaskState(store, t?.ID ?? '', 'failed');
    await clock.advance(5_000);
    const now = wanted(store, 'agent');
    assert.equal(now.length, 1);
    assert.equal(now[0]?.NodeID, 'a');
    assert.notEqual(now[0]?.ID, t?.ID);
    assert.equal(now[0]?.Status.State, 'running');
    await world.stop();
    await orch.stop();
    assert.equal(clock.live, 0);
  });

  it('rolls a new spec out node by node', async () => {
    const { store, orch, clock } = await setup(['a', 'b', 'c']);
    const world = new FakeWorld(store);
    world.start();
    await store.update((tx) => tx.services.create(globalService('agent')));
    await settle();
    await updateSpec(store, 'agent', (s) => ({
      ...s,
      TaskTemplate: { ContainerSpec: { Image: 'nginx:1.28' } },
    }));
    await clock.advance(10);
    const images = () =>
      wanted(store, 'agent')
        .map((t) => t.Spec.ContainerSpec?.Image)
        .sort();
    await clock.advance(6_000);
    assert.deepEqual(images(), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    assert.equal(store.view((tx) => tx.services.get('agent'))?.UpdateStatus?.State, 'completed');
    await world.stop();
    await orch.stop();
  });
});
