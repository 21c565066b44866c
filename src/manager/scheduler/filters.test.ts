import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../api/index.ts';
import { explain, FILTERS, noSuitableNode, Pipeline } from './filters.ts';
import { makeNode, makeTask, type NodeOptions } from './fixtures.ts';
import { NodeInfo } from './nodeinfo.ts';
import { loadOf, requirementsOf } from './requirements.ts';
import type { FilterName } from './types.ts';

function firstFailure(
  task: Task,
  node: NodeOptions,
  prepare?: (info: NodeInfo) => void,
): FilterName | undefined {
  const info = new NodeInfo(makeNode('n1', node));
  prepare?.(info);
  return new Pipeline(requirementsOf(task)).firstFailure(info);
}

const plain = makeTask('t', 'web');

describe('filters', () => {
  it('run in swarmkit order', () => {
    assert.deepEqual(
      FILTERS.map((f) => f.name),
      ['ready', 'resources', 'plugins', 'constraints', 'platform', 'host-ports', 'max-replicas'],
    );
  });

  it('ready: status ready and availability active', () => {
    assert.equal(firstFailure(plain, {}), undefined);
    assert.equal(firstFailure(plain, { state: 'down' }), 'ready');
    assert.equal(firstFailure(plain, { state: 'unknown' }), 'ready');
    assert.equal(firstFailure(plain, { availability: 'drain' }), 'ready');
    assert.equal(firstFailure(plain, { availability: 'pause' }), 'ready');
  });

  it('resources: CPU, memory and generic reservations against what is left', () => {
    assert.equal(firstFailure(makeTask('t', 'w', { cpus: 4 }), { cpus: 4 }), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { cpus: 4.5 }), { cpus: 4 }), 'resources');
    assert.equal(firstFailure(makeTask('t', 'w', { memoryGB: 9 }), { memoryGB: 8 }), 'resources');
    const used = (info: NodeInfo) => info.addTask(loadOf(makeTask('o', 'x', { cpus: 3 })));
    assert.equal(firstFailure(makeTask('t', 'w', { cpus: 1 }), { cpus: 4 }, used), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { cpus: 2 }), { cpus: 4 }, used), 'resources');
    const gpu = { generic: [{ NamedResourceSpec: { Kind: 'gpu', Value: 'GPU-0' } }] };
    assert.equal(firstFailure(makeTask('t', 'w', { generic: { gpu: 1 } }), gpu), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { generic: { gpu: 2 } }), gpu), 'resources');
    assert.equal(firstFailure(makeTask('t', 'w', { generic: { fpga: 1 } }), gpu), 'resources');
    // No reservation: the filter is off, even on an over-committed node.
    assert.equal(firstFailure(plain, { cpus: 0, memoryGB: 0 }), undefined);
  });

  it('plugins: volume drivers and log drivers the node reports', () => {
    const plugins = [
      { Type: 'Volume', Name: 'local' },
      { Type: 'Volume', Name: 'rexray:latest' },
      { Type: 'Log', Name: 'json-file' },
    ];
    assert.equal(firstFailure(makeTask('t', 'w', { volumeDriver: 'rexray' }), { plugins }), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { volumeDriver: 'nfs' }), { plugins }), 'plugins');
    assert.equal(firstFailure(makeTask('t', 'w', { volumeDriver: 'local' }), { plugins: [] }), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { logDriver: 'json-file' }), { plugins }), undefined);
    assert.equal(firstFailure(makeTask('t', 'w', { logDriver: 'gelf' }), { plugins }), 'plugins');
    // An engine that reports no log drivers at all is not held to it.
    assert.equal(firstFailure(makeTask('t', 'w', { logDriver: 'gelf' }), { plugins: [] }), undefined);
  });

  it('constraints', () => {
    const t = makeTask('t', 'w', { constraints: ['node.labels.zone==east'] });
    assert.equal(firstFailure(t, { labels: { zone: 'east' } }), undefined);
    assert.equal(firstFailure(t, { labels: { zone: 'west' } }), 'constraints');
  });

  it('platform: any listed platform, x86_64 = amd64, aarch64 = arm64, blanks match all', () => {
    const t = makeTask('t', 'w', { platforms: [{ OS: 'linux', Architecture: 'amd64' }, { OS: 'windows' }] });
    assert.equal(firstFailure(t, { os: 'linux', arch: 'x86_64' }), undefined);
    assert.equal(firstFailure(t, { os: 'linux', arch: 'aarch64' }), 'platform');
    assert.equal(firstFailure(t, { os: 'windows', arch: 'aarch64' }), undefined);
    const arm = makeTask('t', 'w', { platforms: [{ Architecture: 'arm64' }] });
    assert.equal(firstFailure(arm, { arch: 'aarch64' }), undefined);
    assert.equal(firstFailure(arm, { description: false }), 'platform');
  });

  it('host ports: a host-mode published port already held on the node', () => {
    const t = makeTask('t', 'w', { hostPorts: [8080] });
    const busy = (info: NodeInfo) => info.addTask(loadOf(makeTask('o', 'x', { hostPorts: [8080] })));
    assert.equal(firstFailure(t, {}), undefined);
    assert.equal(firstFailure(t, {}, busy), 'host-ports');
    const udp = makeTask('t', 'w', {
      ports: [{ Protocol: 'udp', TargetPort: 53, PublishedPort: 8080, PublishMode: 'host' }],
    });
    assert.equal(firstFailure(udp, {}, busy), undefined);
    const ingress = makeTask('t', 'w', { ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] });
    assert.equal(firstFailure(ingress, {}, busy), undefined);
  });

  it('max replicas: active tasks of the service on the node', () => {
    const t = makeTask('t', 'web', { maxReplicas: 2 });
    const one = (info: NodeInfo) => info.addTask(loadOf(makeTask('a', 'web')));
    const two = (info: NodeInfo) => {
      one(info);
      info.addTask(loadOf(makeTask('b', 'web')));
    };
    const otherService = (info: NodeInfo) => {
      info.addTask(loadOf(makeTask('a', 'db')));
      info.addTask(loadOf(makeTask('b', 'db')));
    };
    assert.equal(firstFailure(t, {}, one), undefined);
    assert.equal(firstFailure(t, {}, two), 'max-replicas');
    assert.equal(firstFailure(t, {}, otherService), undefined);
  });

  it('a node is counted against the first filter it fails', () => {
    const t = makeTask('t', 'w', { cpus: 8, constraints: ['node.role==manager'] });
    assert.equal(firstFailure(t, { state: 'down', cpus: 1 }), 'ready');
    assert.equal(firstFailure(t, { cpus: 1 }), 'resources');
    assert.equal(firstFailure(t, { cpus: 16 }), 'constraints');
  });
});

describe('explanations', () => {
  it("use Docker's words and pluralisation", () => {
    const one = (filter: FilterName) => explain([{ filter, nodes: 1 }]);
    const two = (filter: FilterName) => explain([{ filter, nodes: 2 }]);
    assert.equal(one('ready'), '1 node not available for new tasks');
    assert.equal(two('ready'), '2 nodes not available for new tasks');
    assert.equal(one('resources'), 'insufficient resources on 1 node');
    assert.equal(two('resources'), 'insufficient resources on 2 nodes');
    assert.equal(two('plugins'), 'missing plugin on 2 nodes');
    assert.equal(one('constraints'), 'scheduling constraints not satisfied on 1 node');
    assert.equal(two('platform'), 'unsupported platform on 2 nodes');
    assert.equal(one('host-ports'), 'host-mode port already in use on 1 node');
    assert.equal(two('host-ports'), 'host-mode port already in use on 2 nodes');
    assert.equal(two('max-replicas'), 'max replicas per node limit exceed');
  });

  it('most failures first, ties in pipeline order, wrapped in "no suitable node (…)"', () => {
    const t = makeTask('t', 'w', { cpus: 2, constraints: ['node.labels.zone==east'] });
    const pipeline = new Pipeline(requirementsOf(t));
    const nodes = [
      new NodeInfo(makeNode('a', { labels: { zone: 'west' } })),
      new NodeInfo(makeNode('b', { labels: { zone: 'west' } })),
      new NodeInfo(makeNode('c', { labels: { zone: 'west' } })),
      new NodeInfo(makeNode('d', { labels: { zone: 'east' }, cpus: 1 })),
      new NodeInfo(makeNode('e', { labels: { zone: 'east' }, state: 'down' })),
    ];
    const failures = pipeline.failures(nodes);
    assert.equal(
      noSuitableNode(failures),
      'no suitable node (scheduling constraints not satisfied on 3 nodes; 1 node not available for new tasks; insufficient resources on 1 node)',
    );
    assert.equal(noSuitableNode([]), 'no suitable node');
  });
});
