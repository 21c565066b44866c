/**
 * UpdateQueue against a real store: batching into few entries, coalescing per task,
 * never backwards, reports from the wrong node or for deleted tasks ignored, conflicts
 * retried, node changes merged and created, waiters told.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskState } from '../../api/task-state.ts';
import { nullLogger } from '../../base/logger.ts';
import { runUntil, trackTimers } from '../../executor/testing.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { MemoryStore } from '../../store/index.ts';
import { newNode } from '../../store/testing.ts';
import { assignedTask, description, status } from './testkit.ts';
import { UpdateQueue } from './updates.ts';

function setup(opts: { intervalMs?: number; maxItems?: number } = {}) {
  const vt = new VirtualTime();
  const clock = trackTimers(new NodeClock(vt, 1));
  const store = MemoryStore.local({ clock, freeze: true });
  const q = new UpdateQueue({
    store,
    clock,
    logger: nullLogger,
    intervalMs: opts.intervalMs ?? 100,
    maxItems: opts.maxItems ?? 10_000,
  });
  const states: Record<string, TaskState[]> = {};
  store.subscribe((events) => {
    for (const e of events) {
      if (e.table !== 'tasks') continue;
      const list = states[e.object.ID] ?? [];
      list.push(e.object.Status.State);
      states[e.object.ID] = list;
    }
  });
  const state = (id: string) => store.view((tx) => tx.tasks.get(id)?.Status.State);
  const run = (cond: () => boolean, ms = 10_000) => runUntil(vt, cond, ms);
  return { vt, clock, store, q, states, state, run };
}

describe('UpdateQueue', () => {
  it('reports from many nodes go into one batch after the interval', async () => {
    const s = setup();
    await s.store.batch((b) => {
      for (let i = 0; i < 500; i++) b.update((tx) => tx.tasks.create(assignedTask(`t${i}`, `n${i % 50}`)));
    });
    const before = s.store.index;
    const t0 = s.vt.now;
    for (let i = 0; i < 500; i++) s.q.task(`n${i % 50}`, `t${i}`, status('running'));
    assert.equal(s.q.pending, 500);
    await s.run(() => s.q.pending === 0 && s.state('t499') === 'running');
    assert.equal(s.vt.now - t0, 100, 'written when the interval ended');
    assert.equal(s.store.index - before, 1, 'one store entry for 500 reports');
    assert.equal(s.q.stats.taskWrites, 500);
  });

  it('several reports of one task in an interval become one write of the furthest', async () => {
    const s = setup();
    await s.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    for (const st of ['accepted', 'preparing', 'starting', 'running', 'starting'] as const) {
      s.q.task('n1', 't1', status(st));
    }
    await s.run(() => s.state('t1') === 'running');
    assert.deepEqual(s.states.t1, ['assigned', 'running']);
  });

  it('never moves a task backwards, and skips a report it already has', async () => {
    const s = setup();
    await s.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1', { Status: status('running') })));
    s.q.task('n1', 't1', status('starting'));
    await s.q.flush();
    assert.equal(s.state('t1'), 'running');
    const done = status('complete', { Message: 'finished' });
    s.q.task('n1', 't1', done);
    await s.q.flush();
    s.q.task('n1', 't1', done); // the same report again (an agent re-reports on reconnect)
    await s.q.flush();
    assert.deepEqual(s.states.t1, ['running', 'complete']);
    assert.ok(s.q.stats.ignored >= 1, 's.q.stats.ignored >= 1');
  });

  it('ignores reports for tasks deleted, not yet assigned, or no longer on the reporting node', async () => {
    const s = setup();
    await s.store.update((tx) => {
      tx.tasks.create(assignedTask('t1', 'n2'));
      tx.tasks.create(assignedTask('t2', 'n1'));
      tx.tasks.create(assignedTask('t3', 'n1', { Status: status('pending') }));
    });
    s.q.task('n1', 't1', status('running'));
    s.q.task('n1', 'gone', status('running'));
    s.q.task('n1', 't2', status('running'));
    s.q.task('n1', 't3', status('running'));
    await s.q.flush();
    assert.equal(s.state('t1'), 'assigned');
    assert.equal(s.state('t3'), 'pending', 'the scheduler’s until ASSIGNED');
    assert.equal(s.state('t2'), 'running');
    assert.equal(s.q.stats.failed, 0, 'not errors: expected outcomes');
  });

  it('a write that lost a race with another writer is retried', async () => {
    const s = setup();
    await s.store.update((tx) => tx.tasks.create(assignedTask('t1', 'n1')));
    s.q.task('n1', 't1', status('running'));
    // An orchestrator's write is proposed first: the batch, based on the same version, loses.
    const other = s.store.update((tx) => {
      const t = tx.tasks.get('t1');
      if (t) tx.tasks.update(t, { DesiredState: 'shutdown' });
    });
    const flushed = s.q.flush();
    await other;
    await flushed;
    assert.equal(s.q.stats.retried, 1);
    await s.run(() => s.state('t1') === 'running');
    const t = s.store.view((tx) => tx.tasks.get('t1'));
    assert.equal(t?.DesiredState, 'shutdown', 'the other write stands');
    assert.equal(t?.Status.State, 'running', 'and so does the status');
  });

  it('node changes merge (the last status wins, the address is kept) and a new node is created', async () => {
    const s = setup();
    const told: boolean[] = [];
    s.q.node(
      'n1',
      {
        status: { State: 'ready', Addr: '10.0.0.1' },
        description: description('h1'),
        create: { ID: 'n1', Spec: { Role: 'worker', Availability: 'active' }, Status: { State: 'ready' } },
      },
      (ok) => told.push(ok),
    );
    s.q.node('n1', { status: { State: 'disconnected', Message: 'gone' } });
    await s.run(() => told.length > 0);
    assert.deepEqual(told, [true]);
    const n = s.store.view((tx) => tx.nodes.get('n1'));
    assert.deepEqual(n?.Status, { State: 'disconnected', Message: 'gone', Addr: '10.0.0.1' });
    assert.equal(n?.Description?.Hostname, 'h1');
    const index = s.store.index;
    s.q.node('n1', { status: { State: 'disconnected', Message: 'gone' } });
    await s.q.flush();
    assert.equal(s.store.index, index, 'no write when nothing changes');
  });

  it('a change for a node that is gone (and may not be created) writes nothing', async () => {
    const s = setup();
    await s.store.update((tx) => tx.nodes.create(newNode('n2', 'h2')));
    const told: boolean[] = [];
    s.q.node('n1', { status: { State: 'down' } }, (ok) => told.push(ok));
    await s.q.flush();
    assert.deepEqual(told, [true]);
    assert.equal(
      s.store.view((tx) => tx.nodes.get('n1')),
      undefined,
    );
  });

  it('past maxItems it writes at once; stop() drops the rest and tells the waiters', async () => {
    const s = setup({ maxItems: 3 });
    await s.store.update((tx) => {
      for (let i = 0; i < 3; i++) tx.tasks.create(assignedTask(`t${i}`, 'n1'));
    });
    const t0 = s.vt.now;
    for (let i = 0; i < 3; i++) s.q.task('n1', `t${i}`, status('running'));
    await s.run(() => s.state('t2') === 'running');
    assert.equal(s.vt.now, t0, 'no waiting for the interval');
    const told: boolean[] = [];
    s.q.node('n1', { status: { State: 'ready' } }, (ok) => told.push(ok));
    s.q.stop();
    assert.deepEqual(told, [false]);
    s.q.task('n1', 't0', status('complete'));
    assert.equal(s.q.pending, 0);
    assert.equal(s.clock.live, 0, 'no timer left');
  });
});
