import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CPU, GB, makeNode, makeTask } from './fixtures.ts';
import { NodeInfo } from './nodeinfo.ts';
import { loadOf } from './requirements.ts';

const gpus = [
  { NamedResourceSpec: { Kind: 'gpu', Value: 'GPU-0' } },
  { NamedResourceSpec: { Kind: 'gpu', Value: 'GPU-1' } },
  { DiscreteResourceSpec: { Kind: 'ssd', Value: 3 } },
];

describe('NodeInfo', () => {
  it('starts with the whole node available and nothing held', () => {
    const info = new NodeInfo(makeNode('n1', { cpus: 4, memoryGB: 8 }));
    assert.equal(info.id, 'n1');
    assert.equal(info.available.nanoCPUs, 4 * CPU);
    assert.equal(info.available.memoryBytes, 8 * GB);
    assert.equal(info.activeTasks, 0);
    assert.equal(info.tasksOf('web'), 0);
  });

  it('adding and removing tasks moves resources, counts and host ports', () => {
    const info = new NodeInfo(makeNode('n1', { cpus: 4, memoryGB: 8 }));
    info.addTask(loadOf(makeTask('t1', 'web', { cpus: 1, memoryGB: 2, hostPorts: [8080] })));
    info.addTask(loadOf(makeTask('t2', 'web', { cpus: 0.5 })));
    info.addTask(loadOf(makeTask('t3', 'db')));
    assert.equal(info.available.nanoCPUs, 2.5 * CPU);
    assert.equal(info.available.memoryBytes, 6 * GB);
    assert.equal(info.tasksOf('web'), 2);
    assert.equal(info.tasksOf('db'), 1);
    assert.equal(info.activeTasks, 3);
    assert.equal(info.hostPortInUse('tcp/8080'), true);
    assert.equal(info.hostPortInUse('udp/8080'), false);

    assert.equal(info.removeTask('t1'), true);
    assert.equal(info.removeTask('t1'), false);
    assert.equal(info.available.nanoCPUs, 3.5 * CPU);
    assert.equal(info.available.memoryBytes, 8 * GB);
    assert.equal(info.hostPortInUse('tcp/8080'), false);
    assert.equal(info.tasksOf('web'), 1);
    assert.deepEqual(
      [...info.services()],
      [
        ['web', 1],
        ['db', 1],
      ],
    );
  });

  it('a task being shut down still holds resources but no longer counts for spread', () => {
    const info = new NodeInfo(makeNode('n1', { cpus: 4 }));
    info.addTask(loadOf(makeTask('t1', 'web', { cpus: 1, state: 'running' })));
    info.addTask(loadOf(makeTask('t1', 'web', { cpus: 1, state: 'running', desired: 'shutdown' })));
    assert.equal(info.tasksOf('web'), 0);
    assert.equal(info.activeTasks, 0);
    assert.equal(info.taskCount, 1);
    assert.equal(info.available.nanoCPUs, 3 * CPU);
    info.addTask(loadOf(makeTask('t1', 'web', { cpus: 1, state: 'running', desired: 'running' })));
    assert.equal(info.tasksOf('web'), 1);
    assert.equal(info.available.nanoCPUs, 3 * CPU);
  });

  it('claims named generic resources one by one and gives them back', () => {
    const info = new NodeInfo(makeNode('n1', { generic: gpus }));
    const held = info.addTask(loadOf(makeTask('t1', 'ml', { generic: { gpu: 1, ssd: 2 } })));
    assert.deepEqual(held, [
      { NamedResourceSpec: { Kind: 'gpu', Value: 'GPU-0' } },
      { DiscreteResourceSpec: { Kind: 'ssd', Value: 2 } },
    ]);
    assert.deepEqual([...(info.available.named.get('gpu') ?? [])], ['GPU-1']);
    assert.equal(info.available.discrete.get('ssd'), 1);
    assert.deepEqual(info.heldBy('t1'), held);
    // A task read back from the store holds exactly what it was given.
    const again = info.addTask(
      loadOf(
        makeTask('t2', 'ml', { generic: { gpu: 1 }, assignedGeneric: [gpus[1] as (typeof gpus)[number]] }),
      ),
    );
    assert.deepEqual(again, [gpus[1]]);
    assert.equal(info.available.named.get('gpu')?.size, 0);
    info.removeTask('t1');
    assert.deepEqual([...(info.available.named.get('gpu') ?? [])], ['GPU-0']);
    assert.equal(info.available.discrete.get('ssd'), 3);
  });

  it('a node update recomputes what is available from the tasks it holds', () => {
    const info = new NodeInfo(makeNode('n1', { cpus: 4, labels: { zone: 'a' } }));
    info.addTask(loadOf(makeTask('t1', 'web', { cpus: 3 })));
    assert.equal(info.spreadValue({ kind: 'node-label', label: 'zone' }), 'a');
    info.setNode(makeNode('n1', { cpus: 2, labels: { zone: 'b' } }));
    assert.equal(info.available.nanoCPUs, -1 * CPU);
    assert.equal(info.spreadValue({ kind: 'node-label', label: 'zone' }), 'b');
    assert.equal(info.spreadValue({ kind: 'engine-label', label: 'zone' }), '');
    info.removeTask('t1');
    assert.equal(info.available.nanoCPUs, 2 * CPU);
  });

  it('host ports are reference-counted', () => {
    const info = new NodeInfo(makeNode('n1'));
    info.addTask(loadOf(makeTask('t1', 'a', { hostPorts: [80] })));
    info.addTask(loadOf(makeTask('t2', 'b', { hostPorts: [80] })));
    info.removeTask('t1');
    assert.equal(info.hostPortInUse('tcp/80'), true);
    info.removeTask('t2');
    assert.equal(info.hostPortInUse('tcp/80'), false);
  });
});
