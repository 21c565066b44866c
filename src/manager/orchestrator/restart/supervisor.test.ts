import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_S } from '../../../api/meta.ts';
import type { Node } from '../../../api/node.ts';
import type { RestartPolicy } from '../../../api/task-spec.ts';
import type { Clock } from '../../../base/clock.ts';
import { SeededRng } from '../../../base/rng.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import { ReplicatedOrchestrator } from '../replicated/orchestrator.ts';
import { newTask } from '../task.ts';
import {
  addNodes,
  harness,
  replicatedService,
  runTask,
  setTaskState,
  taskById,
  tasksOf,
  wanted,
} from '../testing.ts';

async function setup(policy?: RestartPolicy) {
  const h = harness();
  await addNodes(h.store, ['a', 'b']);
  const orch = new ReplicatedOrchestrator(h);
  orch.start();
  await h.store.update((tx) =>
    tx.services.create(
      replicatedService('web', 1, {
        TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27' }, ...(policy && { RestartPolicy: policy }) },
      }),
    ),
  );
  await h.clock.advance(0);
  const done = async () => {
    await orch.stop();
    assert.equal(h.clock.live, 0, 'no timer left behind');
    assert.equal(orch.restarts.pendingStarts, 0);
  };
  return { ...h, orch, done };
}

/** Runs the slot's current task, then ends it in `state`; returns the task id. */
async function runAndEnd(store: MemoryStore, state: 'failed' | 'complete' | 'rejected'): Promise<string> {
  const [t] = wanted(store, 'web').filter((x) => x.DesiredState === 'running');
  assert.ok(t, 'a task wanted running');
  await runTask(store, t.ID);
  await setTaskState(store, t.ID, state);
  return t.ID;
}

async function editNode(store: MemoryStore, id: string, change: (n: Node) => Partial<Node>): Promise<void> {
  await store.update((tx) => {
    const n = tx.nodes.get(id);
    if (n) tx.nodes.update(n, change(structuredClone(n) as Node));
  });
}

/** A second task in slot 1, running on `node`, as a start-first update creates it. */
async function secondTaskInSlot(h: { store: MemoryStore; clock: Clock }, node: string): Promise<string> {
  return h.store.update((tx) => {
    const svc = tx.services.get('web');
    if (!svc) throw new Error('no service');
    const t = newTask(undefined, svc, 1, h.clock, new SeededRng(7));
    tx.tasks.create({ ...t, NodeID: node, Status: { ...t.Status, State: 'running' } });
    return t.ID;
  });
}

describe('restart supervisor', () => {
  it('condition any (default): replaces failed and completed tasks after 5 s', async () => {
    const { store, clock, done } = await setup();
    for (const end of ['failed', 'complete'] as const) {
      const old = await runAndEnd(store, end);
      await clock.advance(1);
      assert.equal(taskById(store, old)?.DesiredState, 'shutdown');
      const repl = wanted(store, 'web');
      assert.equal(repl.length, 1);
      assert.equal(repl[0]?.DesiredState, 'ready');
      await clock.advance(4_998);
      assert.equal(taskById(store, repl[0]?.ID ?? '')?.DesiredState, 'ready');
      await clock.advance(1);
      assert.equal(taskById(store, repl[0]?.ID ?? '')?.DesiredState, 'running');
    }
    await done();
  });

  it('condition on-failure: a task that completes is not replaced, one that fails is', async () => {
    const { store, clock, done } = await setup({ Condition: 'on-failure', Delay: NS_PER_S });
    await runAndEnd(store, 'complete');
    await clock.advance(10_000);
    assert.equal(wanted(store, 'web').length, 0, 'exit 0: the slot keeps its completed task');
    assert.equal(tasksOf(store, 'web').length, 1);
    await done();
    const second = await setup({ Condition: 'on-failure', Delay: NS_PER_S });
    await runAndEnd(second.store, 'failed');
    await second.clock.advance(1_000);
    assert.equal(wanted(second.store, 'web')[0]?.DesiredState, 'running');
    await second.done();
  });

  it('condition none: nothing replaces a failed task', async () => {
    const { store, clock, done } = await setup({ Condition: 'none' });
    await runAndEnd(store, 'failed');
    await clock.advance(60_000);
    assert.equal(tasksOf(store, 'web').length, 1);
    assert.equal(wanted(store, 'web').length, 0);
    await done();
  });

  it('MaxAttempts without a window: that many restarts of the slot, then none', async () => {
    const { store, clock, done } = await setup({ MaxAttempts: 2, Delay: NS_PER_S });
    for (let i = 0; i < 2; i++) {
      await runAndEnd(store, 'failed');
      await clock.advance(1_000);
    }
    await runAndEnd(store, 'failed');
    await clock.advance(60_000);
    assert.equal(tasksOf(store, 'web').length, 3, 'the first task and two restarts');
    assert.equal(wanted(store, 'web').length, 0);
    await done();
  });

  it('MaxAttempts within a Window: counts only the restarts of the last window', async () => {
    const { store, clock, done } = await setup({ MaxAttempts: 2, Window: 60 * NS_PER_S, Delay: NS_PER_S });
    // t=0 and t=10 s: two restarts
    await runAndEnd(store, 'failed');
    await clock.advance(10_000);
    await runAndEnd(store, 'failed');
    await clock.advance(10_000);
    // t=20 s: two in the last minute, so no third
    const blocked = await runAndEnd(store, 'failed');
    await clock.advance(1_000);
    assert.equal(wanted(store, 'web').length, 0);
    assert.equal(taskById(store, blocked)?.DesiredState, 'shutdown');
    await done();

    const again = await setup({ MaxAttempts: 2, Window: 60 * NS_PER_S, Delay: NS_PER_S });
    await runAndEnd(again.store, 'failed'); // restart at t=0
    await again.clock.advance(50_000);
    await runAndEnd(again.store, 'failed'); // restart at t=50 s
    await again.clock.advance(20_000);
    await runAndEnd(again.store, 'failed'); // t=70 s: the one at 0 left the window
    await again.clock.advance(1_000);
    assert.equal(wanted(again.store, 'web')[0]?.DesiredState, 'running');
    await again.done();
  });

  it('a drained node: the replacement starts without delay, once the old task stopped', async () => {
    const { store, clock, done } = await setup();
    const [t] = wanted(store, 'web');
    await runTask(store, t?.ID ?? '', 'a');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await clock.advance(0);
    assert.equal(taskById(store, t?.ID ?? '')?.DesiredState, 'shutdown');
    const repl = wanted(store, 'web')[0];
    assert.equal(repl?.DesiredState, 'ready', 'waits for the old task to stop');
    await clock.advance(30_000);
    assert.equal(taskById(store, repl?.ID ?? '')?.DesiredState, 'ready');
    await setTaskState(store, t?.ID ?? '', 'shutdown');
    await clock.advance(0);
    assert.equal(taskById(store, repl?.ID ?? '')?.DesiredState, 'running');
    await done();
  });

  it('a node that went down: no wait for the old task, but the restart delay', async () => {
    const { store, clock, done } = await setup();
    const [t] = wanted(store, 'web');
    await runTask(store, t?.ID ?? '', 'a');
    await editNode(store, 'a', () => ({ Status: { State: 'down' } }));
    await clock.advance(0);
    const repl = wanted(store, 'web')[0];
    assert.equal(repl?.DesiredState, 'ready');
    await clock.advance(5_000);
    assert.equal(taskById(store, repl?.ID ?? '')?.DesiredState, 'running');
    await done();
  });

  it('gives up waiting for an old task after a minute', async () => {
    const { store, clock, done } = await setup();
    const [t] = wanted(store, 'web');
    await runTask(store, t?.ID ?? '', 'a');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await clock.advance(59_999);
    const repl = wanted(store, 'web')[0];
    assert.equal(repl?.DesiredState, 'ready');
    await clock.advance(1);
    assert.equal(taskById(store, repl?.ID ?? '')?.DesiredState, 'running');
    await done();
  });

  it('a failed task whose slot holds another wanted task (start-first) is not replaced', async () => {
    // the old task dies while a start-first update's new task stands beside it: that one
    // takes the slot; a replacement would leave the slot running twice (moby/swarmkit#2242)
    const { store, clock, done } = await setup({ Delay: NS_PER_S });
    const [old] = wanted(store, 'web');
    await runTask(store, old?.ID ?? '', 'a');
    const beside = await secondTaskInSlot({ store, clock }, 'b');
    await setTaskState(store, old?.ID ?? '', 'failed');
    await clock.advance(10_000);
    assert.equal(taskById(store, old?.ID ?? '')?.DesiredState, 'shutdown');
    assert.equal(tasksOf(store, 'web').length, 2, 'no replacement was ever made');
    assert.deepEqual(
      wanted(store, 'web').map((t) => t.ID),
      [beside],
    );
    await done();
  });

  it('both tasks of a slot on a drained node: a single replacement', async () => {
    const { store, clock, done } = await setup({ Delay: NS_PER_S });
    const [old] = wanted(store, 'web');
    await runTask(store, old?.ID ?? '', 'a');
    const beside = await secondTaskInSlot({ store, clock }, 'a');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await clock.advance(0);
    for (const id of [old?.ID ?? '', beside]) assert.equal(taskById(store, id)?.DesiredState, 'shutdown');
    assert.equal(tasksOf(store, 'web').length, 3, 'one replacement for the slot, not one per task');
    const live = wanted(store, 'web');
    assert.equal(live.length, 1);
    assert.equal(live[0]?.Slot, 1);
    await done();
  });

  it("a restart's delayed start survives another write settling while it is in flight", async () => {
    // Whole-swarm seed 1564: a replacement had to be restarted while its own start still
    // waited (its node went down), so it was restarted once promoted, in a write of the
    // supervisor's own; another write (the orchestrator's batch) applied first and started
    // the delayed starts held so far, found the newest replacement not yet in the store and
    // dropped it: the slot kept a task desired READY for good.
    const { store, clock, gate, done } = await setup({ Delay: NS_PER_S });
    const [t1] = wanted(store, 'web');
    await runTask(store, t1?.ID ?? '', 'a');
    await editNode(store, 'a', (n) => ({ Spec: { ...n.Spec, Availability: 'drain' } }));
    await clock.advance(0);
    const r1 = wanted(store, 'web')[0];
    assert.equal(r1?.DesiredState, 'ready', 'waits for the drained task to stop');
    await store.update((tx) => {
      const t = tx.tasks.get(r1?.ID ?? '');
      if (t) tx.tasks.update(t, { NodeID: 'b', Status: { ...t.Status, State: 'ready' } });
    });
    await editNode(store, 'b', () => ({ Status: { State: 'down' } }));
    await clock.advance(0);
    assert.equal(taskById(store, r1?.ID ?? '')?.DesiredState, 'ready', 'its own start still waits');
    // the old task stops: r1 is promoted, then restarted; hold that restart's write
    gate.hold = (entry) => entry.includes('["c","tasks"') && entry.includes('"DesiredState":"ready"');
    await setTaskState(store, t1?.ID ?? '', 'shutdown');
    await clock.advance(0);
    assert.equal(gate.waiting, 1, "the restart's replacement is in flight");
    gate.hold = () => false;
    // meanwhile the orchestrator writes a batch of its own, which lands first
    await store.update((tx) => tx.services.create(replicatedService('other', 1)));
    await clock.advance(0);
    gate.release();
    await clock.advance(0);
    const r2 = wanted(store, 'web')[0];
    assert.ok(r2 && r2.ID !== r1?.ID, 'r1 was replaced');
    assert.equal(r2.DesiredState, 'ready');
    await clock.advance(1_000);
    assert.equal(taskById(store, r2.ID)?.DesiredState, 'running', 'started after the restart delay');
    await done();
  });

  it('a new leader rebuilds the restart history and resumes delayed starts', async () => {
    const { store, clock, orch, rng, logger } = await setup({ MaxAttempts: 1, Delay: 10 * NS_PER_S });
    await runAndEnd(store, 'failed');
    await clock.advance(2_000);
    const waiting = wanted(store, 'web')[0];
    assert.equal(waiting?.DesiredState, 'ready');
    await orch.stop(); // leadership lost mid-delay
    const next = new ReplicatedOrchestrator({ store, clock, rng, logger });
    next.start();
    await clock.advance(7_999);
    assert.equal(
      taskById(store, waiting?.ID ?? '')?.DesiredState,
      'ready',
      '10 s from its creation, not from now',
    );
    await clock.advance(1);
    assert.equal(taskById(store, waiting?.ID ?? '')?.DesiredState, 'running');
    await runAndEnd(store, 'failed');
    await clock.advance(60_000);
    assert.equal(wanted(store, 'web').length, 0, 'the one attempt was used before the leader changed');
    await next.stop();
    assert.equal(clock.live, 0);
  });
});
