import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../api/node.ts';
import { SeededRng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import { ManualClock } from '../../../store/testing.ts';
import { ReplicatedOrchestrator } from '../replicated/orchestrator.ts';
import { addNodes, harness, quiesce, replicatedService, runTask, tasksOf, wanted } from '../testing.ts';
import { ConstraintEnforcer } from './enforcer.ts';

async function editNode(store: MemoryStore, id: string, change: (n: Node) => Partial<Node>): Promise<void> {
  await store.update((tx) => {
    const n = tx.nodes.get(id);
    if (n) tx.nodes.update(n, change(structuredClone(n) as Node));
  });
}

async function setup() {
  const h = harness();
  await addNodes(h.store, ['a', 'b']);
  await editNode(h.store, 'a', (n) => ({ Spec: { ...n.Spec, Labels: { zone: 'east' } } }));
  const enforcer = new ConstraintEnforcer(h);
  enforcer.start();
  const done = async () => {
    await enforcer.stop();
    assert.equal(h.clock.live, 0);
  };
  return { ...h, enforcer, done };
}

const rng = new SeededRng(3);

/** A replicated service and its tasks, all running on node a (the orchestrator stops once they exist). */
async function serviceOnA(
  store: MemoryStore,
  id: string,
  replicas: number,
  template: object,
): Promise<string[]> {
  const orch = new ReplicatedOrchestrator({ store, clock: new ManualClock(), rng });
  await store.update((tx) =>
    tx.services.create(
      replicatedService(id, replicas, { TaskTemplate: { ContainerSpec: { Image: 'x:1' }, ...template } }),
    ),
  );
  orch.start();
  await quiesce(store);
  await orch.stop();
  const ids = tasksOf(store, id).map((t) => t.ID);
  for (const t of ids) await runTask(store, t, 'a');
  return ids;
}

describe('constraint enforcer', () => {
  it('shuts down tasks whose node no longer satisfies their constraints after a label change', async () => {
    const { store, done } = await setup();
    await serviceOnA(store, 'east', 2, { Placement: { Constraints: ['node.labels.zone==east'] } });
    await serviceOnA(store, 'any', 1, {});
    await quiesce(store);
    assert.equal(wanted(store, 'east').length, 2, 'nothing to do while the label holds');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Labels: { zone: 'west' } } }));
    await quiesce(store);
    assert.ok(tasksOf(store, 'east').every((t) => t.DesiredState === 'shutdown'));
    assert.equal(wanted(store, 'any').length, 1, 'tasks without constraints stay');
    await done();
  });

  it('uses the service’s current constraints, not the ones the task was created with', async () => {
    const { store, done } = await setup();
    await serviceOnA(store, 'web', 1, {});
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (s)
        tx.services.update(s, {
          Spec: {
            ...s.Spec,
            TaskTemplate: { ...s.Spec.TaskTemplate, Placement: { Constraints: ['node.labels.zone==east'] } },
          },
        });
    });
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Labels: {} } }));
    await quiesce(store);
    assert.equal(wanted(store, 'web').length, 0);
    await done();
  });

  it('shuts down what no longer fits when the node reports fewer resources', async () => {
    const { store, done } = await setup();
    const GiB = 2 ** 30;
    await serviceOnA(store, 'big', 3, { Resources: { Reservations: { MemoryBytes: 2 * GiB } } });
    await editNode(store, 'a', (n) => ({
      Description: {
        ...(n.Description as NonNullable<Node['Description']>),
        Resources: { NanoCPUs: 4e9, MemoryBytes: 5 * GiB },
      },
    }));
    await quiesce(store);
    assert.equal(wanted(store, 'big').length, 2, 'two of 2 GiB fit in 5 GiB, the third goes');
    await done();
  });

  it('drain shuts every task down; pause leaves them alone', async () => {
    const { store, done } = await setup();
    await serviceOnA(store, 'web', 2, {});
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'pause', Labels: {} } }));
    await quiesce(store);
    assert.equal(wanted(store, 'web').length, 2);
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await quiesce(store);
    assert.equal(wanted(store, 'web').length, 0);
    await done();
  });

  it('ignores node updates that do not touch placement (status, heartbeats)', async () => {
    const { store, done, lines } = await setup();
    await serviceOnA(store, 'east', 1, { Placement: { Constraints: ['node.labels.zone==east'] } });
    await editNode(store, 'a', () => ({ Status: { State: 'ready', Message: 'heartbeat' } }));
    await quiesce(store);
    assert.equal(wanted(store, 'east').length, 1);
    assert.equal(lines.filter((l) => l.msg.includes('no longer meets')).length, 0);
    await done();
  });
});
