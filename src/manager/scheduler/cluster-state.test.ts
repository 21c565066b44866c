import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from './cluster-state.ts';
import { CPU, makeNode, makeTask } from './fixtures.ts';

describe('ClusterState', () => {
  it('holds a task only while it is assigned and not terminal', () => {
    const s = new ClusterState();
    s.upsertNode(makeNode('n1', { cpus: 4 }));
    const info = s.node('n1');
    assert.ok(info);
    s.upsertTask(makeTask('t1', 'web', { cpus: 1 }));
    assert.equal(info.taskCount, 0, 'pending without a node: the scheduler input');
    s.upsertTask(makeTask('t1', 'web', { cpus: 1, nodeId: 'n1', state: 'pending' }));
    assert.equal(info.taskCount, 0, 'preassigned but pending: still input');
    for (const state of ['assigned', 'accepted', 'running'] as const) {
      s.upsertTask(makeTask('t1', 'web', { cpus: 1, nodeId: 'n1', state }));
      assert.equal(info.taskCount, 1);
      assert.equal(info.available.nanoCPUs, 3 * CPU);
      assert.equal(s.nodeOfTask('t1'), 'n1');
    }
    s.upsertTask(makeTask('t1', 'web', { cpus: 1, nodeId: 'n1', state: 'failed' }));
    assert.equal(info.taskCount, 0);
    assert.equal(info.available.nanoCPUs, 4 * CPU);
    assert.equal(s.nodeOfTask('t1'), undefined);
  });

  it('removeTask frees the node; unknown ids are ignored', () => {
    const s = new ClusterState();
    s.upsertNode(makeNode('n1'));
    s.upsertTask(makeTask('t1', 'web', { nodeId: 'n1', state: 'running' }));
    s.removeTask('t1');
    s.removeTask('nope');
    assert.equal(s.node('n1')?.taskCount, 0);
  });

  it('a task that moves node leaves the old one', () => {
    const s = new ClusterState();
    s.upsertNode(makeNode('n1'));
    s.upsertNode(makeNode('n2'));
    s.upsertTask(makeTask('t1', 'web', { nodeId: 'n1', state: 'running', hostPorts: [80] }));
    s.upsertTask(makeTask('t1', 'web', { nodeId: 'n2', state: 'running', hostPorts: [80] }));
    assert.equal(s.node('n1')?.taskCount, 0);
    assert.equal(s.node('n1')?.hostPortInUse('tcp/80'), false);
    assert.equal(s.node('n2')?.hostPortInUse('tcp/80'), true);
  });

  it('tasks seen before their node wait for it; a removed node parks its tasks', () => {
    const s = new ClusterState();
    s.upsertTask(makeTask('t1', 'web', { nodeId: 'n1', state: 'running', cpus: 1 }));
    assert.equal(s.nodeOfTask('t1'), 'n1');
    s.upsertNode(makeNode('n1', { cpus: 4 }));
    assert.equal(s.node('n1')?.tasksOf('web'), 1);
    assert.equal(s.node('n1')?.available.nanoCPUs, 3 * CPU);
    s.removeNode('n1');
    assert.equal(s.node('n1'), undefined);
    assert.equal(s.nodeCount, 0);
    s.upsertNode(makeNode('n1', { cpus: 4 }));
    assert.equal(s.node('n1')?.tasksOf('web'), 1);
    s.removeNode('n1');
    s.removeTask('t1');
    s.upsertNode(makeNode('n1', { cpus: 4 }));
    assert.equal(s.node('n1')?.taskCount, 0);
  });

  it('a node update keeps its tasks and re-reads its capacity', () => {
    const s = new ClusterState();
    s.upsertNode(makeNode('n1', { cpus: 4 }));
    s.upsertTask(makeTask('t1', 'web', { nodeId: 'n1', state: 'running', cpus: 1 }));
    s.upsertNode(makeNode('n1', { cpus: 8, state: 'down' }));
    const info = s.node('n1');
    assert.equal(info?.available.nanoCPUs, 7 * CPU);
    assert.equal(info?.node.Status.State, 'down');
    assert.equal(info?.tasksOf('web'), 1);
  });

  it('refreshOrder numbers nodes by id', () => {
    const s = new ClusterState();
    for (const id of ['c', 'a', 'b']) s.upsertNode(makeNode(id));
    s.refreshOrder();
    assert.deepEqual(
      [...s.nodes()].map((n) => [n.id, n.order]),
      [
        ['c', 2],
        ['a', 0],
        ['b', 1],
      ],
    );
    s.removeNode('a');
    s.refreshOrder();
    assert.equal(s.node('b')?.order, 0);
  });
});
