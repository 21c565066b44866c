/**
 * Agents and dispatchers together, on virtual time, with a real store and fake executors:
 * tasks run and their statuses flow back in order; desired states and removals reach the
 * node; fail-over, redirects and leader changes; working through a disconnection; restart
 * and adoption without duplicates.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeState } from '../api/node.ts';
import type { Task } from '../api/task.ts';
import { stateRank, type TaskState } from '../api/task-state.ts';
import { FakeRegistry } from '../executor/fake/registry.ts';
import { type Harness, harness } from '../manager/dispatcher/testkit.ts';
import type { Stored } from '../store/index.ts';
import { newSecret } from '../store/testing.ts';
import { fakeTask, SLOW, startAgent, type TestAgent } from './testkit.ts';

/** The observed states each task went through in the store, in order. */
function taskHistory(h: Harness): Record<string, TaskState[]> {
  const seen: Record<string, TaskState[]> = {};
  h.store.subscribe(
    (events) => {
      for (const e of events) if (e.table === 'tasks') record(seen, e.object.ID, e.object.Status.State);
    },
    { tables: ['tasks'] },
  );
  return seen;
}

function nodeHistory(h: Harness): Record<string, NodeState[]> {
  const seen: Record<string, NodeState[]> = {};
  h.store.subscribe(
    (events) => {
      for (const e of events) if (e.table === 'nodes') record(seen, e.object.ID, e.object.Status.State);
    },
    { tables: ['nodes'] },
  );
  return seen;
}

function record<T>(seen: Record<string, T[]>, id: string, v: T): void {
  const list = seen[id] ?? [];
  list.push(v);
  seen[id] = list;
}

function strictlyForward(states: readonly TaskState[]): boolean {
  return states.every((s, i) => i === 0 || stateRank(s) > stateRank(states[i - 1] as TaskState));
}

async function setTask(h: Harness, id: string, changes: Partial<Stored<Task>>): Promise<void> {
  await h.store.update((tx) => {
    const t = tx.tasks.get(id);
    if (t) tx.tasks.update(t, changes);
  });
}

describe('Agent with a dispatcher', () => {
  it('registers, runs what it is assigned (COMPLETE, then INCREMENTAL) and reports back in order', async () => {
    const h = harness();
    const history = taskHistory(h);
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1', SLOW)));
    const { agent, executor } = await startAgent(h, 'n1');
    assert.ok(await h.run(() => h.nodeState('n1') === 'ready', 5_000), 'h.nodeState("n1") === "ready"');
    assert.equal(
      h.store.view((tx) => tx.nodes.get('n1')?.Description?.Hostname),
      'n1',
    );
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    await h.store.update((tx) => tx.tasks.create(fakeTask('t2', 'n1', SLOW)));
    assert.ok(await h.run(() => h.taskState('t2') === 'running', 10_000), 'h.taskState("t2") === "running"');
    for (const id of ['t1', 't2']) {
      const states = history[id] ?? [];
      assert.ok(strictlyForward(states), `${id}: ${states.join(' → ')}`);
      assert.ok(states.includes('preparing') && states.includes('starting'), `${id}: ${states.join(' → ')}`);
    }
    const t1 = h.store.view((tx) => tx.tasks.get('t1'));
    assert.equal(t1?.Status.ContainerStatus?.ContainerID, executor.container('t1')?.containerId);
    assert.equal(agent.state, 'ready');
    await agent.stop();
  });

  it('a desired-state change reaches the agent and the task stops', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1', { 'shoal.fake.on-stop': 'exit' })));
    const { agent, executor } = await startAgent(h, 'n1');
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    await setTask(h, 't1', { DesiredState: 'shutdown' });
    assert.ok(
      await h.run(() => h.taskState('t1') === 'shutdown', 10_000),
      'h.taskState("t1") === "shutdown"',
    );
    const c = executor.container('t1');
    assert.equal(c?.state, 'exited');
    assert.deepEqual(c?.signals, ['SIGTERM']);
    await agent.stop();
  });

  it('a task deleted from the store is shut down and removed from the node', async () => {
    const h = harness();
    const registry = new FakeRegistry();
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1')));
    const { agent } = await startAgent(h, 'n1', { registry });
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    const c = registry.require('t1');
    await h.store.update((tx) => tx.tasks.delete('t1'));
    assert.ok(
      await h.run(() => registry.get('t1') === undefined, 20_000),
      'registry.get("t1") === undefined',
    );
    assert.equal(c.state, 'removed');
    assert.equal(agent.worker.size, 0);
    await agent.stop();
  });

  it('secrets a task refers to reach the agent', async () => {
    const h = harness();
    await h.store.update((tx) => {
      tx.secrets.create(newSecret('s1', 'pw'));
      tx.tasks.create(
        fakeTask(
          't1',
          'n1',
          {},
          {
            Spec: { ContainerSpec: { Image: 'nginx', Secrets: [{ SecretID: 's1', SecretName: 'pw' }] } },
          },
        ),
      );
    });
    const { agent } = await startAgent(h, 'n1');
    assert.ok(
      await h.run(() => agent.worker.secret('s1') !== undefined, 5_000),
      'agent.worker.secret("s1") !== undefined',
    );
    assert.equal(agent.worker.secret('s1')?.Spec.Data, 'c2VjcmV0');
    await agent.stop();
  });

  it('fails over to another manager when its manager crashes; the node never goes down', async () => {
    const h = harness({ managers: 3 });
    const nodes = nodeHistory(h);
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1')));
    const { agent, executor } = await startAgent(h, 'n1', { managers: ['m1:2377', 'm2:2377', 'm3:2377'] });
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    const pid = executor.container('t1')?.pid;
    h.crash('m1');
    h.directory.setLeader('m2');
    h.dispatcher('m2').start();
    assert.ok(await h.run(() => agent.manager === 'm2:2377', 15_000), `agent on ${agent.manager}`);
    await h.advance(30_000);
    assert.equal(h.nodeState('n1'), 'ready');
    assert.ok(!(nodes.n1 ?? []).includes('down'), (nodes.n1 ?? []).join(','));
    assert.equal(executor.container('t1')?.pid, pid, 'the task kept running');
    assert.equal(h.taskState('t1'), 'running');
    await agent.stop();
  });

  it('follows a follower’s redirect to the leader', async () => {
    const h = harness({ managers: 3 });
    const { agent } = await startAgent(h, 'n1', { managers: ['m3:2377'] });
    assert.ok(await h.run(() => agent.state === 'ready', 5_000), 'agent.state === "ready"');
    assert.equal(agent.manager, 'm1:2377');
    assert.equal(agent.stats.redirects, 1);
    assert.deepEqual(agent.managers.list, ['m1:2377', 'm2:2377', 'm3:2377']);
    await agent.stop();
  });

  it('a leader change marks no node down and leaves every task running', async () => {
    const h = harness({ managers: 2 });
    const nodes = nodeHistory(h);
    const history = taskHistory(h);
    const agents: TestAgent[] = [];
    for (let i = 1; i <= 10; i++) {
      await h.store.update((tx) => tx.tasks.create(fakeTask(`t${i}`, `n${i}`)));
      agents.push(await startAgent(h, `n${i}`, { managers: ['m1:2377', 'm2:2377'] }));
    }
    assert.ok(
      await h.run(() => agents.every((_, i) => h.taskState(`t${i + 1}`) === 'running'), 10_000),
      'every task running',
    );
    h.elect('m2');
    assert.ok(
      await h.run(() => agents.every((a) => a.agent.manager === 'm2:2377'), 10_000),
      'agents.every((a) => a.agent.manager === "m2:2377")',
    );
    await h.advance(60_000);
    for (let i = 1; i <= 10; i++) {
      assert.deepEqual(nodes[`n${i}`], ['ready'], `n${i}: ${nodes[`n${i}`]?.join(',')}`);
      assert.equal(history[`t${i}`]?.at(-1), 'running');
    }
    for (const a of agents) await a.agent.stop();
  });

  it('keeps working with no manager at all, and reports what happened once one is back', async () => {
    const h = harness();
    await h.store.update((tx) => {
      tx.tasks.create(fakeTask('t1', 'n1'));
      tx.tasks.create(fakeTask('t2', 'n1'));
    });
    const { agent, executor } = await startAgent(h, 'n1');
    assert.ok(
      await h.run(() => h.taskState('t1') === 'running' && h.taskState('t2') === 'running', 10_000),
      'h.taskState("t1") === "running" && h.taskState("t2") === "running"',
    );
    h.crash('m1');
    await h.advance(3_000);
    executor.container('t1')?.exitNow(0);
    await h.advance(5_000);
    assert.equal(executor.container('t2')?.state, 'running', 'still running without a manager');
    assert.equal(h.taskState('t1'), 'running', 'nobody to tell yet');
    assert.equal(agent.state, 'connecting');
    h.restart(h.peers[0] as (typeof h.peers)[number], 1).start();
    assert.ok(
      await h.run(() => h.taskState('t1') === 'complete', 30_000),
      'h.taskState("t1") === "complete"',
    );
    assert.equal(h.nodeState('n1'), 'ready');
    assert.equal(h.taskState('t2'), 'running');
    await agent.stop();
  });

  it('a status a crashed manager received but never wrote is re-reported to the next one', async () => {
    const h = harness({ managers: 2 });
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1')));
    const { agent, executor } = await startAgent(h, 'n1', { managers: ['m1:2377', 'm2:2377'] });
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    const sent = agent.reporter.stats.sent;
    executor.container('t1')?.exitNow(3);
    // The report leaves after 50 ms and arrives; m1 would write it at its next batch.
    assert.ok(await h.run(() => agent.reporter.stats.sent > sent, 1_000), 'agent.reporter.stats.sent > sent');
    await h.advance(5);
    h.crash('m1');
    h.elect('m2');
    assert.ok(await h.run(() => h.taskState('t1') === 'failed', 15_000), 'h.taskState("t1") === "failed"');
    assert.equal(
      h.store.view((tx) => tx.tasks.get('t1')?.Status.Err),
      'task: non-zero exit (3)',
    );
    await agent.stop();
  });

  it('after a restart the agent adopts its running tasks (no duplicates) and drops the stale ones', async () => {
    const h = harness();
    const history = taskHistory(h);
    const registry = new FakeRegistry();
    await h.store.update((tx) => {
      tx.tasks.create(fakeTask('t1', 'n1'));
      tx.tasks.create(fakeTask('t2', 'n1'));
    });
    const first = await startAgent(h, 'n1', { registry });
    assert.ok(
      await h.run(() => h.taskState('t1') === 'running' && h.taskState('t2') === 'running', 10_000),
      'h.taskState("t1") === "running" && h.taskState("t2") === "running"',
    );
    const c1 = registry.require('t1');
    const pid = c1.pid;
    await first.agent.stop();
    // While the agent is away: t2 moves to another node, t3 is assigned here.
    await setTask(h, 't2', { NodeID: 'n2' });
    await h.store.update((tx) => tx.tasks.create(fakeTask('t3', 'n1')));
    await h.advance(2_000);
    const second = await startAgent(h, 'n1', { registry, executor: first.executor });
    assert.ok(
      await h.run(() => h.taskState('t3') === 'running' && registry.get('t2') === undefined, 15_000),
      'h.taskState("t3") === "running" && registry.get("t2") === undefined',
    );
    assert.equal(registry.get('t1'), c1, 'the same container');
    assert.equal(c1.pid, pid, 'never restarted');
    assert.equal(c1.signals, undefined, 'never signalled');
    assert.equal(c1.state, 'running');
    assert.equal(first.executor.size, 2, 't1 and t3: nothing twice, t2 gone');
    assert.equal(second.agent.worker.stats.orphans, 1);
    assert.deepEqual(history.t1?.at(-1), 'running');
    assert.ok(strictlyForward(history.t1 ?? []), 'strictlyForward(history.t1 ?? [])');
    await second.agent.stop();
  });

  it('an agent that is not a member stops trying', async () => {
    const h = harness({ dispatcher: { unknownNodes: 'refuse' } });
    const { agent } = await startAgent(h, 'n1');
    assert.ok(await h.run(() => agent.state === 'rejected', 5_000), 'agent.state === "rejected"');
    const dials = agent.stats.dials;
    await h.advance(60_000);
    assert.equal(agent.stats.dials, dials);
  });

  it('leaves no timer and no link behind once everything stops', async () => {
    const h = harness();
    await h.store.update((tx) => tx.tasks.create(fakeTask('t1', 'n1', SLOW)));
    const { agent } = await startAgent(h, 'n1');
    assert.ok(await h.run(() => h.taskState('t1') === 'running', 10_000), 'h.taskState("t1") === "running"');
    await agent.stop();
    h.dispatcher().dispose();
    await h.advance(60_000);
    assert.equal(h.net.openEnds, 0);
    assert.equal(h.clock.live, 0);
  });
});
