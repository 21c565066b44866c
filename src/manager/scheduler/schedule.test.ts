import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Task } from '../../api/index.ts';
import { SeededRng } from '../../base/rng.ts';
import { ClusterState } from './cluster-state.ts';
import { makeNode, makeTask, makeTasks } from './fixtures.ts';
import { scheduleBatch } from './schedule.ts';
import type { SchedulingDecision } from './types.ts';

function stateOf(nodes: Node[], running: Task[] = []): ClusterState {
  const s = new ClusterState();
  for (const n of nodes) s.upsertNode(n);
  for (const t of running) s.upsertTask(t);
  return s;
}

/** node id -> tasks placed there, sorted by node id. */
function perNode(decisions: SchedulingDecision[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of decisions) if (d.kind === 'assigned') out[d.nodeId] = (out[d.nodeId] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function reasons(decisions: SchedulingDecision[]): string[] {
  return decisions.flatMap((d) => (d.kind === 'unschedulable' ? [d.reason] : []));
}

const three = () => [makeNode('n1'), makeNode('n2'), makeNode('n3')];
const busy = (nodeId: string, n: number, service = 'other') =>
  Array.from({ length: n }, (_, i) =>
    makeTask(`${service}-${nodeId}-${i}`, service, { nodeId, state: 'running' }),
  );

describe('spread', () => {
  it('6 replicas over 3 nodes: 2 each', () => {
    const d = scheduleBatch(stateOf(three()), makeTasks('web', 6));
    assert.deepEqual(perNode(d), { n1: 2, n2: 2, n3: 2 });
  });

  it('tasks of the service come first, tasks in total break ties: a busy node gets fewer', () => {
    const d = scheduleBatch(stateOf(three(), busy('n1', 3)), makeTasks('web', 4));
    assert.deepEqual(perNode(d), { n1: 1, n2: 2, n3: 1 });
    const again = scheduleBatch(stateOf(three(), busy('n1', 2, 'web')), makeTasks('web', 4));
    assert.deepEqual(perNode(again), { n2: 2, n3: 2 });
  });

  it('decisions come back in input order; groups run in order of first appearance and see earlier ones', () => {
    const tasks = [makeTask('a1', 'a'), makeTask('b1', 'b'), makeTask('a2', 'a'), makeTask('b2', 'b')];
    const state = stateOf([makeNode('n1'), makeNode('n2')]);
    const d = scheduleBatch(state, tasks);
    assert.deepEqual(
      d.map((x) => [x.taskId, x.kind === 'assigned' ? x.nodeId : x.reason]),
      [
        ['a1', 'n1'],
        ['b1', 'n1'],
        ['a2', 'n2'],
        ['b2', 'n2'],
      ],
    );
    assert.equal(state.node('n1')?.activeTasks, 2);
    assert.equal(state.nodeOfTask('b2'), 'n2');
    // The next batch builds on the first.
    assert.deepEqual(perNode(scheduleBatch(state, makeTasks('c', 3))), { n1: 2, n2: 1 });
  });

  it('skips nodes that are down, drained or paused', () => {
    const nodes = [
      makeNode('n1', { state: 'down' }),
      makeNode('n2', { availability: 'drain' }),
      makeNode('n3'),
    ];
    assert.deepEqual(perNode(scheduleBatch(stateOf(nodes), makeTasks('web', 3))), { n3: 3 });
  });
});

describe('placement preferences', () => {
  const zoned = () => [
    makeNode('a1', { labels: { zone: 'a' } }),
    makeNode('b1', { labels: { zone: 'b' } }),
    makeNode('b2', { labels: { zone: 'b' } }),
    makeNode('c1', { labels: { zone: 'c' } }),
    makeNode('c2', { labels: { zone: 'c' } }),
    makeNode('c3', { labels: { zone: 'c' } }),
  ];

  it('spread over the values of node.labels.zone before spreading over nodes', () => {
    const d = scheduleBatch(stateOf(zoned()), makeTasks('web', 9, { spread: ['node.labels.zone'] }));
    assert.deepEqual(perNode(d), { a1: 3, b1: 2, b2: 1, c1: 1, c2: 1, c3: 1 });
  });

  it("nodes without the label form the '' branch; existing tasks count for their zone", () => {
    const nodes = [...zoned(), makeNode('x1')];
    const d = scheduleBatch(
      stateOf(nodes, busy('c1', 2, 'web')),
      makeTasks('web', 6, { spread: ['node.labels.zone'] }),
    );
    // 8 tasks over 4 branches: 2 each; zone c already has its 2.
    assert.deepEqual(perNode(d), { a1: 2, b1: 1, b2: 1, x1: 2 });
  });

  it('a zone that fills up leaves the rest to the others', () => {
    const nodes = [
      makeNode('a1', { labels: { zone: 'a' }, cpus: 1 }),
      makeNode('b1', { labels: { zone: 'b' }, cpus: 8 }),
      makeNode('b2', { labels: { zone: 'b' }, cpus: 8 }),
    ];
    const d = scheduleBatch(stateOf(nodes), makeTasks('web', 6, { spread: ['node.labels.zone'], cpus: 1 }));
    assert.deepEqual(perNode(d), { a1: 1, b1: 3, b2: 2 });
  });

  it('several preferences nest: region, then zone within it', () => {
    const nodes = [
      makeNode('e1', { labels: { region: 'eu', zone: 'eu-1' } }),
      makeNode('e2', { labels: { region: 'eu', zone: 'eu-2' } }),
      makeNode('u1', { labels: { region: 'us', zone: 'us-1' } }),
      makeNode('u2', { labels: { region: 'us', zone: 'us-1' } }),
      makeNode('u3', { labels: { region: 'us', zone: 'us-1' } }),
    ];
    const d = scheduleBatch(
      stateOf(nodes),
      makeTasks('web', 8, { spread: ['node.labels.region', 'node.labels.zone'] }),
    );
    assert.deepEqual(perNode(d), { e1: 2, e2: 2, u1: 2, u2: 1, u3: 1 });
  });

  it('engine labels work as spread descriptors; other descriptors are ignored', () => {
    const nodes = [
      makeNode('n1', { engineLabels: { rack: 'r1' } }),
      makeNode('n2', { engineLabels: { rack: 'r1' } }),
      makeNode('n3', { engineLabels: { rack: 'r2' } }),
    ];
    const d = scheduleBatch(
      stateOf(nodes),
      makeTasks('web', 4, { spread: ['engine.labels.rack', 'node.hostname'] }),
    );
    assert.deepEqual(perNode(d), { n1: 1, n2: 1, n3: 2 });
  });
});

describe('limits', () => {
  it('max replicas per node', () => {
    const d = scheduleBatch(stateOf(three()), makeTasks('web', 5, { maxReplicas: 1 }));
    assert.deepEqual(perNode(d), { n1: 1, n2: 1, n3: 1 });
    assert.deepEqual(reasons(d), [
      'no suitable node (max replicas per node limit exceed)',
      'no suitable node (max replicas per node limit exceed)',
    ]);
  });

  it('host-mode port conflicts', () => {
    const state = stateOf([makeNode('n1'), makeNode('n2')]);
    const d = scheduleBatch(state, makeTasks('web', 3, { hostPorts: [80] }));
    assert.deepEqual(perNode(d), { n1: 1, n2: 1 });
    assert.deepEqual(reasons(d), ['no suitable node (host-mode port already in use on 2 nodes)']);
    // Another service wanting the same port has nowhere to go either.
    const other = scheduleBatch(state, [makeTask('x', 'other', { hostPorts: [80] })]);
    assert.deepEqual(reasons(other), ['no suitable node (host-mode port already in use on 2 nodes)']);
  });

  it('resources exhausted in the middle of a batch', () => {
    const state = stateOf([makeNode('n1', { cpus: 2 }), makeNode('n2', { cpus: 3 })]);
    const d = scheduleBatch(state, makeTasks('web', 7, { cpus: 1 }));
    assert.deepEqual(perNode(d), { n1: 2, n2: 3 });
    assert.deepEqual(
      d.slice(5).map((x) => x.kind),
      ['unschedulable', 'unschedulable'],
    );
    assert.deepEqual(reasons(d)[0], 'no suitable node (insufficient resources on 2 nodes)');
    assert.equal(state.node('n2')?.available.nanoCPUs, 0);
  });

  it("the combined explanation is Docker's", () => {
    const nodes = [
      makeNode('n1', { role: 'manager', cpus: 1 }),
      makeNode('n2'),
      makeNode('n3'),
      makeNode('n4', { cpus: 1 }),
    ];
    const d = scheduleBatch(stateOf(nodes), [
      makeTask('t', 'web', { cpus: 2, constraints: ['node.role==manager'] }),
    ]);
    assert.deepEqual(d, [
      {
        kind: 'unschedulable',
        taskId: 't',
        reason:
          'no suitable node (insufficient resources on 2 nodes; scheduling constraints not satisfied on 2 nodes)',
        failures: [
          { filter: 'resources', nodes: 2 },
          { filter: 'constraints', nodes: 2 },
        ],
      },
    ]);
    const four = [...nodes, makeNode('n5')];
    const e = scheduleBatch(stateOf(four), [
      makeTask('t', 'web', { cpus: 2, constraints: ['node.role==manager'] }),
    ]);
    assert.deepEqual(reasons(e), [
      'no suitable node (scheduling constraints not satisfied on 3 nodes; insufficient resources on 2 nodes)',
    ]);
  });

  it('an empty swarm: no suitable node, no parentheses', () => {
    assert.deepEqual(scheduleBatch(new ClusterState(), [makeTask('t', 'web')]), [
      { kind: 'unschedulable', taskId: 't', reason: 'no suitable node', failures: [] },
    ]);
  });

  it('generic resources: the decision names what was claimed', () => {
    const gpus = [0, 1, 2].map((i) => ({ NamedResourceSpec: { Kind: 'gpu', Value: `GPU-${i}` } }));
    const state = stateOf([makeNode('n1', { generic: gpus })]);
    const d = scheduleBatch(state, makeTasks('ml', 2, { generic: { gpu: 2 } }));
    assert.deepEqual(d[0], {
      kind: 'assigned',
      taskId: 'ml.1',
      nodeId: 'n1',
      assignedGenericResources: [gpus[0], gpus[1]],
    });
    assert.deepEqual(reasons(d), ['no suitable node (insufficient resources on 1 node)']);
  });
});

describe('constraints', () => {
  const nodes = () => [
    makeNode('m1', { role: 'manager', hostname: 'mgr-1', labels: { zone: 'east' } }),
    makeNode('w1', { hostname: 'wrk-1', labels: { zone: 'east' }, engineLabels: { disk: 'ssd' } }),
    makeNode('w2', { hostname: 'wrk-2', labels: { zone: 'west' }, engineLabels: { disk: 'hdd' } }),
  ];
  const placed = (constraints: string[]) =>
    perNode(scheduleBatch(stateOf(nodes()), makeTasks('web', 4, { constraints })));

  it('on role, hostname, node labels and engine labels', () => {
    assert.deepEqual(placed(['node.role==manager']), { m1: 4 });
    assert.deepEqual(placed(['node.role!=manager']), { w1: 2, w2: 2 });
    assert.deepEqual(placed(['node.hostname==wrk-2']), { w2: 4 });
    assert.deepEqual(placed(['node.hostname!=wrk-2']), { m1: 2, w1: 2 });
    assert.deepEqual(placed(['node.labels.zone==east']), { m1: 2, w1: 2 });
    assert.deepEqual(placed(['node.labels.zone==east', 'node.role==worker']), { w1: 4 });
    assert.deepEqual(placed(['engine.labels.disk==ssd']), { w1: 4 });
    assert.deepEqual(placed(['engine.labels.disk!=ssd']), { m1: 2, w2: 2 });
  });

  it('none satisfied', () => {
    const d = scheduleBatch(stateOf(nodes()), [
      makeTask('t', 'web', { constraints: ['node.labels.zone==north'] }),
    ]);
    assert.deepEqual(reasons(d), ['no suitable node (scheduling constraints not satisfied on 3 nodes)']);
  });
});

describe('preassigned tasks (global services)', () => {
  it('confirms the node, or says why not in swarmkit words', () => {
    const state = stateOf([makeNode('n1', { cpus: 1 }), makeNode('n2', { state: 'down' })]);
    const d = scheduleBatch(state, [
      makeTask('g1', 'g', { nodeId: 'n1', cpus: 1 }),
      makeTask('g2', 'g', { nodeId: 'n2', cpus: 1 }),
      makeTask('g3', 'g', { nodeId: 'n9', cpus: 1 }),
      makeTask('h1', 'h', { nodeId: 'n1', cpus: 1 }),
    ]);
    assert.deepEqual(d, [
      { kind: 'assigned', taskId: 'g1', nodeId: 'n1' },
      {
        kind: 'unschedulable',
        taskId: 'g2',
        reason: '1 node not available for new tasks',
        failures: [{ filter: 'ready', nodes: 1 }],
      },
      { kind: 'unschedulable', taskId: 'g3', reason: 'node n9 not found', failures: [] },
      {
        kind: 'unschedulable',
        taskId: 'h1',
        reason: 'insufficient resources on 1 node',
        failures: [{ filter: 'resources', nodes: 1 }],
      },
    ]);
  });

  it('are placed before the groups of the same batch', () => {
    const state = stateOf([makeNode('n1', { cpus: 1 }), makeNode('n2', { cpus: 1 })]);
    const d = scheduleBatch(state, [
      makeTask('r1', 'r', { cpus: 1 }),
      makeTask('g1', 'g', { nodeId: 'n1', cpus: 1 }),
    ]);
    assert.deepEqual(perNode(d), { n1: 1, n2: 1 });
    assert.equal(state.nodeOfTask('r1'), 'n2');
  });
});

describe('determinism', () => {
  const cluster = (order: string[]) =>
    order.map((id) => makeNode(id, { labels: { zone: id < 'n5' ? 'a' : 'b' } }));
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];
  const work = () => [
    ...makeTasks('a', 10, { spread: ['node.labels.zone'] }),
    ...makeTasks('b', 5),
    ...makeTasks('c', 3),
  ];

  it('same input, same decisions, whatever order the nodes arrived in', () => {
    const first = scheduleBatch(stateOf(cluster(ids)), work());
    assert.deepEqual(scheduleBatch(stateOf(cluster(ids)), work()), first);
    assert.deepEqual(scheduleBatch(stateOf(cluster([...ids].reverse())), work()), first);
  });

  it('an injected Rng breaks ties reproducibly, and differently for another seed', () => {
    const run = (seed: number) => scheduleBatch(stateOf(cluster(ids)), work(), { rng: new SeededRng(seed) });
    assert.deepEqual(run(7), run(7));
    const seeds = [1, 2, 3, 4, 5].map((s) => JSON.stringify(run(s)));
    assert.ok(new Set(seeds).size > 1);
    // Ties are broken at random, but spread is not.
    for (const s of [1, 2, 3]) {
      const counts = Object.values(perNode(run(s).slice(10, 15)));
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1 && counts.length === 5);
    }
  });
});

describe('misuse is a bug', () => {
  it('a task twice in one batch, or one already on a node, throws', () => {
    const state = stateOf(three());
    assert.throws(() => scheduleBatch(state, [makeTask('t', 'web'), makeTask('t', 'web')]), /appears twice/);
    state.upsertTask(makeTask('r', 'web', { nodeId: 'n1', state: 'running' }));
    assert.throws(() => scheduleBatch(state, [makeTask('r', 'web')]), /already on node n1/);
  });
});
