import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../api/service.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import { newService } from '../../../store/testing.ts';
import type { NewObject } from '../../../store/types.ts';
import { rank } from '../task.ts';
import {
  addNodes,
  FakeWorld,
  harness,
  quiesce,
  setTaskState,
  settle,
  tasksOf,
  updateSpec,
} from '../testing.ts';
import { JobsOrchestrator } from './orchestrator.ts';

function job(id: string, mode: Service['Spec']['Mode'], restart?: 'none' | 'on-failure'): NewObject<Service> {
  const base = newService(id, id);
  return {
    ...base,
    Spec: {
      ...base.Spec,
      Mode: mode,
      TaskTemplate: {
        ContainerSpec: { Image: 'busybox:1' },
        ...(restart && { RestartPolicy: { Condition: restart } }),
      },
    },
    SpecVersion: { Index: 1 },
  } as NewObject<Service>;
}

const live = (store: MemoryStore, id: string) =>
  tasksOf(store, id).filter((t) => t.Status.State !== 'complete' && rank(t.DesiredState) <= rank('complete'));
const done = (store: MemoryStore, id: string) =>
  tasksOf(store, id).filter((t) => t.Status.State === 'complete');

async function setup(nodes = ['a', 'b', 'c']) {
  const h = harness();
  await addNodes(h.store, nodes);
  const orch = new JobsOrchestrator(h);
  orch.start();
  return { ...h, orch };
}

describe('jobs orchestrator', () => {
  it('runs a replicated job to TotalCompletions, at most MaxConcurrent at once', async () => {
    const { store, orch } = await setup();
    await store.update((tx) =>
      tx.services.create(job('batch', { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 } })),
    );
    await settle();
    assert.equal(store.view((tx) => tx.services.get('batch'))?.JobStatus?.JobIteration.Index, 0);
    let peak = 0;
    for (let round = 0; round < 10 && done(store, 'batch').length < 5; round++) {
      const running = live(store, 'batch');
      peak = Math.max(peak, running.length);
      for (const t of running) {
        assert.equal(t.DesiredState, 'complete');
        assert.equal(t.JobIteration?.Index, 0);
        await setTaskState(store, t.ID, 'complete');
      }
      await settle();
    }
    assert.equal(peak, 2);
    const finished = done(store, 'batch');
    assert.deepEqual(finished.map((t) => t.Slot).sort(), [1, 2, 3, 4, 5], 'one completion per slot');
    assert.equal(tasksOf(store, 'batch').length, 5, 'nothing more once complete');
    await orch.stop();
  });

  it('restarts a failed job task in its slot; with condition none the slot is spent', async () => {
    const { store, orch, clock } = await setup();
    await store.update((tx) =>
      tx.services.create(job('retry', { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } })),
    );
    await store.update((tx) =>
      tx.services.create(job('once', { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } }, 'none')),
    );
    await settle();
    for (const id of ['retry', 'once']) await setTaskState(store, live(store, id)[0]?.ID ?? '', 'failed');
    await clock.advance(5_000);
    const retry = tasksOf(store, 'retry');
    assert.equal(retry.length, 2);
    const repl = retry.find((t) => t.Status.State === 'new');
    assert.equal(repl?.Slot, 1);
    assert.equal(repl?.DesiredState, 'complete', 'promoted to COMPLETE, not RUNNING');
    const once = tasksOf(store, 'once');
    assert.equal(once.length, 1, 'no new task: the job failed');
    assert.equal(once[0]?.DesiredState, 'shutdown');
    await orch.stop();
    assert.equal(clock.live, 0);
  });

  it('runs a global job once per node that existed when it started', async () => {
    const { store, orch, clock } = await setup(['a', 'b']);
    const world = new FakeWorld(store, { completeJobs: true });
    world.start();
    await store.update((tx) => tx.services.create(job('sweep', { GlobalJob: {} })));
    await quiesce(store);
    assert.deepEqual(
      done(store, 'sweep')
        .map((t) => t.NodeID)
        .sort(),
      ['a', 'b'],
    );
    await clock.advance(1_000);
    await addNodes(store, ['late']);
    await quiesce(store);
    assert.equal(tasksOf(store, 'sweep').length, 2, 'a node joining later does not run it');
    await world.stop();
    await orch.stop();
  });

  it('re-runs when controlapi starts the next iteration (older tasks still running are removed)', async () => {
    const { store, orch, clock } = await setup(['a', 'b']);
    await store.update((tx) => tx.services.create(job('sweep', { GlobalJob: {} })));
    await settle();
    const first = tasksOf(store, 'sweep');
    assert.equal(first.length, 2);
    await clock.advance(60_000);
    await addNodes(store, ['c']);
    await store.update((tx) => {
      const s = tx.services.get('sweep');
      if (!s?.JobStatus) throw new Error('no job status');
      tx.services.update(s, {
        Spec: { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ForceUpdate: 1 } },
        SpecVersion: { Index: s.Version.Index },
        JobStatus: { JobIteration: { Index: 1 }, LastExecution: new Date(clock.wallNow()).toISOString() },
      });
    });
    await settle();
    const ts = tasksOf(store, 'sweep');
    assert.ok(first.every((t) => ts.find((x) => x.ID === t.ID)?.DesiredState === 'remove'));
    const next = ts.filter((t) => t.JobIteration?.Index === 1);
    assert.deepEqual(next.map((t) => t.NodeID).sort(), ['a', 'b', 'c'], 'c existed when iteration 1 started');
    assert.equal(
      store.view((tx) => tx.services.get('sweep'))?.JobStatus?.JobIteration.Index,
      1,
      'no second bump',
    );
    await orch.stop();
  });

  it('re-runs when the spec changes (a new iteration)', async () => {
    const { store, orch } = await setup(['a']);
    const world = new FakeWorld(store, { completeJobs: true });
    world.start();
    await store.update((tx) =>
      tx.services.create(job('batch', { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } })),
    );
    await quiesce(store);
    assert.equal(done(store, 'batch').length, 2);
    // controlapi would also bump JobIteration; without that, the orchestrator starts the iteration
    await updateSpec(store, 'batch', (s) => ({ ...s, TaskTemplate: { ...s.TaskTemplate, ForceUpdate: 1 } }));
    await quiesce(store);
    const svc = store.view((tx) => tx.services.get('batch'));
    assert.equal(svc?.JobStatus?.JobIteration.Index, 1);
    const second = done(store, 'batch').filter((t) => t.JobIteration?.Index === 1);
    assert.equal(second.length, 2);
    assert.ok(second.every((t) => t.Spec.ForceUpdate === 1));
    await world.stop();
    await orch.stop();
  });
});
