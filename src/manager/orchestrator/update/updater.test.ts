import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_S } from '../../../api/meta.ts';
import type { Service, UpdateConfig } from '../../../api/service.ts';
import type { MemoryStore } from '../../../store/memory-store.ts';
import { ReplicatedOrchestrator } from '../replicated/orchestrator.ts';
import { newTask, rank } from '../task.ts';
import {
  addNodes,
  FakeWorld,
  harness,
  quiesce,
  replicatedService,
  runTask,
  setTaskState,
  taskById,
  tasksOf,
  updateSpec,
  type WorldOptions,
  wanted,
} from '../testing.ts';

async function setup(
  replicas: number,
  update: UpdateConfig | undefined,
  world: WorldOptions = {},
  rollback?: UpdateConfig,
) {
  const h = harness();
  await addNodes(h.store, ['a', 'b', 'c']);
  const orch = new ReplicatedOrchestrator(h);
  orch.start();
  const w = new FakeWorld(h.store, world);
  w.start();
  await h.store.update((tx) =>
    tx.services.create(
      replicatedService('web', replicas, {
        ...(update && { UpdateConfig: update }),
        ...(rollback && { RollbackConfig: rollback }),
      }),
    ),
  );
  await quiesce(h.store);
  assert.equal(running(h.store).length, replicas);
  const done = async () => {
    await w.stop();
    await orch.stop();
    assert.equal(h.clock.live, 0, 'no timer left behind');
  };
  return { ...h, orch, done };
}

const running = (store: MemoryStore) => tasksOf(store, 'web').filter((t) => t.Status.State === 'running');
const image = (t: { Spec: { ContainerSpec?: { Image: string } } }) => t.Spec.ContainerSpec?.Image;
const svc = (store: MemoryStore) => store.view((tx) => tx.services.get('web'));
const toImage = (img: string) => (s: Service['Spec']) => ({
  ...s,
  TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { Image: img } },
});

/** Per slot, the most tasks ever running at once; and when each old task was told to stop. */
function watch(store: MemoryStore, now: () => number) {
  const maxRunning = new Map<number, number>();
  const shutdownAt = new Map<string, number>();
  const unsubscribe = store.subscribe(() => {
    const ts = tasksOf(store, 'web');
    const per = new Map<number, number>();
    for (const t of ts)
      if (t.Status.State === 'running') per.set(t.Slot ?? 0, (per.get(t.Slot ?? 0) ?? 0) + 1);
    for (const [slot, n] of per) maxRunning.set(slot, Math.max(maxRunning.get(slot) ?? 0, n));
    for (const t of ts)
      if (t.DesiredState === 'shutdown' && !shutdownAt.has(t.ID)) shutdownAt.set(t.ID, now());
  });
  return { maxRunning, shutdownAt, unsubscribe };
}

describe('update supervisor', () => {
  it('replaces tasks one by one with parallelism 1 and a delay, then completes', async () => {
    const { store, clock, done } = await setup(3, {
      Parallelism: 1,
      Delay: 10 * NS_PER_S,
      Monitor: 5 * NS_PER_S,
      FailureAction: 'pause',
    });
    const w = watch(store, () => clock.now());
    const t0 = clock.now();
    await updateSpec(store, 'web', toImage('nginx:1.28'));
    await clock.advance(1);
    assert.equal(svc(store)?.UpdateStatus?.State, 'updating');
    assert.equal(svc(store)?.UpdateStatus?.Message, 'update in progress');
    await clock.advance(40_000);
    const times = [...w.shutdownAt.values()].map((t) => t - t0).sort((a, b) => a - b);
    assert.deepEqual(times, [0, 10_000, 20_000], 'one old task every delay');
    // the last slot's delay (10 s), then the monitor: 11 s, since the delay is not shorter
    assert.equal(svc(store)?.UpdateStatus?.State, 'updating');
    await clock.advance(1_000);
    assert.deepEqual(running(store).map(image), ['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    const status = svc(store)?.UpdateStatus;
    assert.equal(status?.State, 'completed');
    assert.equal(status?.Message, 'update completed');
    assert.ok(status?.StartedAt && status.CompletedAt && status.CompletedAt > status.StartedAt);
    assert.ok(
      [...w.maxRunning.values()].every((n) => n === 1),
      'stop-first: never two running in a slot',
    );
    w.unsubscribe();
    await done();
  });

  it('start-first runs the new task before stopping the old one', async () => {
    const { store, clock, done } = await setup(2, {
      Parallelism: 1,
      Order: 'start-first',
      Monitor: NS_PER_S,
    });
    const w = watch(store, () => clock.now());
    await updateSpec(store, 'web', toImage('nginx:1.28'));
    await clock.advance(5_000);
    assert.deepEqual(running(store).map(image), ['nginx:1.28', 'nginx:1.28']);
    assert.deepEqual([...w.maxRunning.values()], [2, 2], 'old and new overlapped in every slot');
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    w.unsubscribe();
    await done();
  });

  it('pauses on a failure, naming the task', async () => {
    const { store, clock, done } = await setup(
      3,
      { Parallelism: 1, FailureAction: 'pause', Monitor: 5 * NS_PER_S },
      { failOnStart: (t) => image(t) === 'nginx:broken' },
    );
    await updateSpec(store, 'web', toImage('nginx:broken'));
    await clock.advance(60_000);
    const status = svc(store)?.UpdateStatus;
    assert.equal(status?.State, 'paused');
    const failed = tasksOf(store, 'web').find((t) => t.Status.State === 'failed');
    assert.equal(status?.Message, `update paused due to failure or early termination of task ${failed?.ID}`);
    const old = running(store).filter((t) => image(t) === 'nginx:1.27');
    assert.equal(old.length, 2, 'the other two slots were left alone');
    await done();
  });

  it('rolls back on a failure: the previous spec comes back', async () => {
    const { store, clock, done } = await setup(
      3,
      { Parallelism: 1, FailureAction: 'rollback', Monitor: 5 * NS_PER_S },
      { failOnStart: (t) => image(t) === 'nginx:broken' },
    );
    const states: string[] = [];
    const unsubscribe = store.subscribe(() => {
      const s = svc(store)?.UpdateStatus?.State;
      if (s && states[states.length - 1] !== s) states.push(s);
    });
    await updateSpec(store, 'web', toImage('nginx:broken'));
    await clock.advance(60_000);
    unsubscribe();
    const s = svc(store);
    assert.deepEqual(states, ['updating', 'rollback_started', 'rollback_completed']);
    assert.equal(s?.UpdateStatus?.Message, 'rollback completed');
    assert.equal(s?.Spec.TaskTemplate.ContainerSpec?.Image, 'nginx:1.27');
    assert.equal(s?.PreviousSpec, undefined);
    assert.deepEqual(running(store).map(image), ['nginx:1.27', 'nginx:1.27', 'nginx:1.27']);
    await done();
  });

  it('writes the rollback message with the failed task', async () => {
    const { store, clock, done } = await setup(
      2,
      { Parallelism: 1, FailureAction: 'rollback', Monitor: 5 * NS_PER_S },
      { failOnStart: (t) => image(t) === 'nginx:broken' },
    );
    let message: string | undefined;
    const unsubscribe = store.subscribe(() => {
      const st = svc(store)?.UpdateStatus;
      if (st?.State === 'rollback_started') message ??= st.Message;
    });
    await updateSpec(store, 'web', toImage('nginx:broken'));
    await clock.advance(60_000);
    unsubscribe();
    const failed = tasksOf(store, 'web').find((t) => t.Status.State === 'failed');
    assert.equal(message, `update rolled back due to failure or early termination of task ${failed?.ID}`);
    await done();
  });

  it('continues past failures with FailureAction continue', async () => {
    const { store, clock, done } = await setup(
      3,
      { Parallelism: 1, FailureAction: 'continue', Monitor: 5 * NS_PER_S },
      { failOnStart: (t) => image(t) === 'nginx:broken' && t.Slot === 2 },
    );
    await updateSpec(store, 'web', toImage('nginx:broken'));
    await clock.advance(60_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    const live = wanted(store, 'web');
    assert.ok(
      live.every((t) => image(t) === 'nginx:broken'),
      'every slot got the new spec',
    );
    await done();
  });

  it('tolerates failures up to MaxFailureRatio', async () => {
    const { store, clock, done } = await setup(
      4,
      { Parallelism: 1, FailureAction: 'pause', MaxFailureRatio: 0.25, Monitor: 5 * NS_PER_S },
      { failOnStart: (t) => image(t) === 'nginx:2' && t.Slot === 1 },
    );
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(60_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed', '1 of 4 failed: not above 0.25');
    await done();
  });

  it('a manual rollback (controlapi) uses RollbackConfig and reports rollback completed', async () => {
    // the rollback config that applies is the one of the spec rolled back to (swarmkit)
    const { store, clock, done } = await setup(
      4,
      { Parallelism: 1, Delay: 5 * NS_PER_S, Monitor: NS_PER_S },
      {},
      { Parallelism: 0, Monitor: NS_PER_S },
    );
    await updateSpec(store, 'web', toImage('nginx:1.28'));
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    const w = watch(store, () => clock.now());
    const t0 = clock.now();
    // what controlapi's rollback=previous writes
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (!s?.PreviousSpec) throw new Error('no previous spec');
      tx.services.update(s, {
        Spec: s.PreviousSpec,
        PreviousSpec: s.Spec,
        SpecVersion: { Index: s.Version.Index },
        UpdateStatus: { State: 'rollback_started', Message: 'manually requested rollback', StartedAt: 'x' },
      });
    });
    await clock.advance(10_000);
    const times = new Set([...w.shutdownAt.values()].map((t) => t - t0));
    assert.deepEqual(
      [...times],
      [0],
      'RollbackConfig Parallelism 0: all at once (UpdateConfig would take 15 s)',
    );
    assert.equal(svc(store)?.UpdateStatus?.State, 'rollback_completed');
    assert.equal(svc(store)?.UpdateStatus?.Message, 'rollback completed');
    assert.deepEqual(running(store).map(image), Array(4).fill('nginx:1.27'));
    w.unsubscribe();
    await done();
  });

  it('a rollback that fails too is paused, never rolled back (rollback_paused)', async () => {
    let oldImageBroken = false; // the registry lost it, say
    const { store, clock, done } = await setup(
      2,
      { Parallelism: 1, Monitor: NS_PER_S },
      { failOnStart: (t) => oldImageBroken && image(t) === 'nginx:1.27' },
      { Parallelism: 1, FailureAction: 'rollback', Monitor: NS_PER_S },
    );
    await updateSpec(store, 'web', toImage('nginx:1.28'));
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    oldImageBroken = true;
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (!s?.PreviousSpec) throw new Error('no previous spec');
      tx.services.update(s, {
        Spec: s.PreviousSpec,
        PreviousSpec: s.Spec,
        SpecVersion: { Index: s.Version.Index },
        UpdateStatus: { State: 'rollback_started', Message: 'manually requested rollback' },
      });
    });
    await clock.advance(30_000);
    const st = svc(store)?.UpdateStatus;
    const failed = tasksOf(store, 'web').find((t) => t.Status.State === 'failed');
    assert.equal(st?.State, 'rollback_paused');
    assert.equal(st?.Message, `rollback paused due to failure or early termination of task ${failed?.ID}`);
    assert.equal(
      svc(store)?.Spec.TaskTemplate.ContainerSpec?.Image,
      'nginx:1.27',
      'the spec stays rolled back',
    );
    await done();
  });

  it('recognises a rollback written without a status (the spec swapped back)', async () => {
    const { store, clock, done } = await setup(2, { Parallelism: 1, Monitor: NS_PER_S });
    await updateSpec(store, 'web', toImage('nginx:1.28'));
    await clock.advance(30_000);
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (!s?.PreviousSpec) throw new Error('no previous spec');
      tx.services.update(s, {
        Spec: s.PreviousSpec,
        PreviousSpec: s.Spec,
        SpecVersion: { Index: s.Version.Index },
      });
    });
    await clock.advance(1);
    assert.equal(svc(store)?.UpdateStatus?.Message, 'manually requested rollback');
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'rollback_completed');
    await done();
  });

  it('a task that fails after its monitor period is not a failure of the update', async () => {
    let failing = false;
    const { store, clock, done } = await setup(
      2,
      { Parallelism: 1, Delay: 10 * NS_PER_S, Monitor: 2 * NS_PER_S, FailureAction: 'pause' },
      { failOnStart: () => failing },
    );
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(5_000);
    const first = running(store).find((t) => image(t) === 'nginx:2');
    assert.ok(first, 'slot updated at 0 s');
    await store.update((tx) => {
      const t = tx.tasks.get(first.ID);
      if (t) tx.tasks.update(t, { Status: { ...t.Status, State: 'failed', Err: 'task: non-zero exit (1)' } });
    });
    failing = false;
    await clock.advance(30_000);
    assert.equal(
      svc(store)?.UpdateStatus?.State,
      'completed',
      'it failed 5 s after it ran: past the 2 s monitor',
    );
    await done();
  });

  it('--force (ForceUpdate bump) redeploys every task with the same image', async () => {
    const { store, clock, done } = await setup(3, { Parallelism: 0, Monitor: NS_PER_S });
    const before = new Set(running(store).map((t) => t.ID));
    await updateSpec(store, 'web', (s) => ({ ...s, TaskTemplate: { ...s.TaskTemplate, ForceUpdate: 1 } }));
    await clock.advance(10_000);
    const after = running(store);
    assert.equal(after.length, 3);
    assert.ok(after.every((t) => !before.has(t.ID) && t.Spec.ForceUpdate === 1));
    await done();
  });

  it('a newer spec mid-update: the old update stops, the new one finishes, one task per slot', async () => {
    const { store, clock, done } = await setup(3, { Parallelism: 1, Delay: NS_PER_S, Monitor: NS_PER_S });
    const w = watch(store, () => clock.now());
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(1_500); // slot 1 done, slot 2 under way
    await updateSpec(store, 'web', toImage('nginx:3'));
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    const live = wanted(store, 'web');
    assert.equal(live.length, 3);
    assert.ok(live.every((t) => image(t) === 'nginx:3' && t.Status.State === 'running'));
    assert.ok(
      [...w.maxRunning.values()].every((n) => n === 1),
      'never two running in a slot',
    );
    w.unsubscribe();
    await done();
  });

  it('a newer spec while the old update has a write in flight: the new update waits for it', async () => {
    const { store, clock, gate, done } = await setup(2, { Parallelism: 1, Monitor: NS_PER_S });
    const w = watch(store, () => clock.now());
    // hold the old update's first replacement (a task of nginx:2 being created)
    gate.hold = (entry) => entry.includes('["c","tasks"') && entry.includes('nginx:2');
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(0);
    assert.equal(gate.waiting, 1);
    gate.hold = () => false;
    await updateSpec(store, 'web', toImage('nginx:3'));
    await clock.advance(0);
    gate.release();
    await clock.advance(30_000);
    const live = wanted(store, 'web');
    assert.deepEqual(live.map(image), ['nginx:3', 'nginx:3']);
    assert.ok(
      [...w.maxRunning.values()].every((n) => n === 1),
      'never two running in a slot',
    );
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    w.unsubscribe();
    await done();
  });

  it('a restart racing the update for the same slot: one of them wins, never two tasks', async () => {
    const { store, clock, gate, done } = await setup(1, { Parallelism: 1, Monitor: NS_PER_S });
    const w = watch(store, () => clock.now());
    const [old] = running(store);
    let held = false;
    gate.hold = (entry) => {
      if (held || !entry.includes('["c","tasks"') || !entry.includes('nginx:2')) return false;
      held = true;
      return true;
    };
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(0);
    assert.equal(gate.waiting, 1, "the update's replacement is in flight");
    // meanwhile the old task dies and the restart supervisor replaces it
    await store.update((tx) => {
      const t = tx.tasks.get(old?.ID ?? '');
      if (t) tx.tasks.update(t, { Status: { ...t.Status, State: 'failed' } });
    });
    await clock.advance(0);
    gate.release();
    await clock.advance(30_000);
    assert.equal(wanted(store, 'web').length, 1);
    assert.equal(running(store).length, 1);
    assert.ok([...w.maxRunning.values()].every((n) => n === 1));
    w.unsubscribe();
    await done();
  });

  it('a scale alone is not an update', async () => {
    const { store, clock, done } = await setup(2, { Parallelism: 1, Monitor: NS_PER_S });
    const before = new Set(running(store).map((t) => t.ID));
    await updateSpec(store, 'web', (s) => ({ ...s, Mode: { Replicated: { Replicas: 3 } } }));
    await clock.advance(10_000);
    assert.equal(svc(store)?.UpdateStatus, undefined);
    assert.equal(running(store).filter((t) => before.has(t.ID)).length, 2);
    await done();
  });

  it('a paused update resumes when controlapi clears the status', async () => {
    let broken = true;
    const { store, clock, done } = await setup(
      2,
      { Parallelism: 1, FailureAction: 'pause', Monitor: NS_PER_S },
      { failOnStart: (t) => broken && image(t) === 'nginx:2' },
    );
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'paused');
    broken = false;
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (s) tx.services.update(s, { UpdateStatus: undefined });
    });
    await clock.advance(30_000);
    assert.equal(svc(store)?.UpdateStatus?.State, 'completed');
    assert.ok(
      wanted(store, 'web').every((t) => image(t) === 'nginx:2' && rank(t.Status.State) === rank('running')),
    );
    await done();
  });
});

describe('update supervisor: a paused update never leaves a slot crowded', () => {
  /**
   * The state a start-first update leaves when it pauses (or its leader dies) between
   * creating a slot's new task and seeing it run: slot 1 holds the old task (running on a)
   * and the new one (wanted, assigned to b); slot 2 was not reached yet.
   */
  async function pausedMidSlot() {
    const h = harness();
    await addNodes(h.store, ['a', 'b', 'c']);
    await h.store.update((tx) =>
      tx.services.create(
        replicatedService('web', 2, {
          TaskTemplate: { ContainerSpec: { Image: 'nginx:2' } },
          UpdateConfig: { Parallelism: 1, Order: 'start-first', FailureAction: 'pause' },
        }),
      ),
    );
    const ids = await h.store.update((tx) => {
      const cur = tx.services.get('web');
      if (!cur) throw new Error('no service');
      tx.services.update(cur, {
        SpecVersion: { Index: 7 },
        UpdateStatus: {
          State: 'paused',
          Message: 'update paused due to failure or early termination of task x',
        },
      });
      const svcNow = { ...cur, SpecVersion: { Index: 7 } };
      const older = {
        ...cur,
        Spec: toImage('nginx:1')(cur.Spec as Service['Spec']),
        SpecVersion: { Index: 3 },
      };
      const make = (s: typeof cur, slot: number, node: string, state: 'running' | 'assigned') => {
        const t = newTask(undefined, s, slot, h.clock, h.rng);
        tx.tasks.create({ ...t, NodeID: node, Status: { ...t.Status, State: state } });
        return t.ID;
      };
      return {
        old1: make(older, 1, 'a', 'running'),
        new1: make(svcNow, 1, 'b', 'assigned'),
        old2: make(older, 2, 'c', 'running'),
      };
    });
    return { ...h, ids };
  }

  it('a new leader keeps the new task of a start-first slot once it runs, and stops the old one', async () => {
    const { store, clock, rng, logger, ids } = await pausedMidSlot();
    const orch = new ReplicatedOrchestrator({ store, clock, rng, logger }); // the next leader's
    orch.start();
    await clock.advance(10_000);
    assert.equal(
      taskById(store, ids.old1)?.DesiredState,
      'running',
      'start-first: the old one runs on meanwhile',
    );
    assert.equal(tasksOf(store, 'web').length, 3, 'a paused update creates nothing');
    await runTask(store, ids.new1, 'b');
    await clock.advance(1_000);
    assert.equal(taskById(store, ids.old1)?.DesiredState, 'shutdown');
    assert.deepEqual(
      wanted(store, 'web')
        .map((t) => t.ID)
        .sort(),
      [ids.new1, ids.old2].sort(),
    );
    assert.equal(taskById(store, ids.old2)?.Spec.ContainerSpec?.Image, 'nginx:1', 'slot 2 left as it was');
    assert.equal(svc(store)?.UpdateStatus?.State, 'paused');
    await orch.stop();
    assert.equal(clock.live, 0, 'no timer left behind');
  });

  it('a start-first update that pauses with a slot in flight finishes that slot, and no other', async () => {
    const h = harness();
    await addNodes(h.store, ['a', 'b', 'c']);
    const orch = new ReplicatedOrchestrator(h);
    orch.start();
    const { store, clock } = h;
    await store.update((tx) =>
      tx.services.create(
        replicatedService('web', 3, {
          UpdateConfig: { Parallelism: 2, Order: 'start-first', FailureAction: 'pause', Monitor: NS_PER_S },
        }),
      ),
    );
    await clock.advance(0);
    const old = new Map(wanted(store, 'web').map((t) => [t.Slot, t.ID]));
    for (const [slot, id] of old) await runTask(store, id, ['a', 'b', 'c'][(slot ?? 1) - 1]);
    await updateSpec(store, 'web', toImage('nginx:2'));
    await clock.advance(0);
    const fresh = new Map(
      wanted(store, 'web')
        .filter((t) => image(t) === 'nginx:2')
        .map((t) => [t.Slot, t.ID]),
    );
    assert.deepEqual([...fresh.keys()].sort(), [1, 2], 'parallelism 2: slots 1 and 2 under way');
    await setTaskState(store, fresh.get(1) ?? '', 'failed'); // slot 2's new task has not run yet
    await clock.advance(0);
    assert.equal(svc(store)?.UpdateStatus?.State, 'paused');
    await runTask(store, fresh.get(2) ?? '', 'c');
    await clock.advance(10_000);
    assert.equal(taskById(store, old.get(2) ?? '')?.DesiredState, 'shutdown', 'slot 2 finished');
    const live = wanted(store, 'web');
    assert.deepEqual(
      live.map((t) => `${t.Slot} ${image(t)}`).sort(),
      ['1 nginx:1.27', '2 nginx:2', '3 nginx:1.27'],
      'one task a slot; slot 1 keeps its old task, slot 3 is not updated',
    );
    await orch.stop();
    assert.equal(clock.live, 0, 'no timer left behind');
  });

  it('a slot with two old tasks keeps the one running', async () => {
    const { store, clock, rng, logger, ids } = await pausedMidSlot();
    // the new task of slot 1 is itself outdated now: a newer spec, paused before slot 1
    await store.update((tx) => {
      const s = tx.services.get('web');
      if (s)
        tx.services.update(s, {
          Spec: toImage('nginx:3')(s.Spec as Service['Spec']),
          SpecVersion: { Index: 9 },
        });
    });
    const orch = new ReplicatedOrchestrator({ store, clock, rng, logger });
    orch.start();
    await clock.advance(1_000);
    assert.equal(taskById(store, ids.new1)?.DesiredState, 'shutdown', 'not running yet: it goes');
    assert.deepEqual(
      wanted(store, 'web')
        .map((t) => t.ID)
        .sort(),
      [ids.old1, ids.old2].sort(),
    );
    assert.equal(tasksOf(store, 'web').length, 3);
    await orch.stop();
    assert.equal(clock.live, 0, 'no timer left behind');
  });
});
