import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../api/node.ts';
import type { Service } from '../../../api/service.ts';
import type { Task } from '../../../api/task.ts';
import type { TaskState } from '../../../api/task-state.ts';
import type { Stored } from '../../../store/types.ts';
import { isRunnable, type SNode, type STask } from '../task.ts';
import { nodeFit, planGlobal, planGlobalNode, serviceConstraints } from './plan.ts';

const svc = (constraints?: string[]) =>
  ({
    ID: 's',
    Spec: {
      Name: 's',
      Mode: { Global: {} },
      TaskTemplate: { Placement: constraints && { Constraints: constraints } },
    },
  }) as unknown as Stored<Service>;

function node(
  id: string,
  over: { state?: string; availability?: string; labels?: Record<string, string> } = {},
): SNode {
  return {
    ID: id,
    Spec: { Role: 'worker', Availability: over.availability ?? 'active', Labels: over.labels },
    Status: { State: over.state ?? 'ready' },
  } as unknown as Stored<Node>;
}

let n = 0;
const t = (nodeId: string, desired: TaskState = 'running'): STask =>
  ({
    ID: `t${n++}`,
    ServiceID: 's',
    NodeID: nodeId,
    DesiredState: desired,
    Status: { State: 'running' },
    CreatedAt: '',
  }) as unknown as Stored<Task>;
const occ = (slot: readonly STask[]) => slot.filter(isRunnable);

describe('global plan', () => {
  it('nodeFit', () => {
    const east = serviceConstraints(svc(['node.labels.zone==east']));
    assert.equal(nodeFit(undefined, []), 'invalid');
    assert.equal(nodeFit(node('a', { state: 'down' }), []), 'invalid');
    assert.equal(nodeFit(node('a', { availability: 'drain' }), []), 'invalid');
    assert.equal(nodeFit(node('a', { availability: 'pause' }), []), 'paused');
    assert.equal(nodeFit(node('a', { state: 'unknown' }), []), 'not-ready');
    assert.equal(nodeFit(node('a'), east), 'mismatch');
    assert.equal(nodeFit(node('a', { labels: { zone: 'east' } }), east), 'eligible');
  });

  it('planGlobal: create where missing, keep what runs, shut down where unfit, remove where gone', () => {
    const tasks = [t('b'), t('c'), t('gone'), t('p')];
    const nodes = [
      node('a'),
      node('b'),
      node('c', { availability: 'drain' }),
      node('p', { availability: 'pause' }),
      node('q', { availability: 'pause' }),
    ];
    const p = planGlobal(svc(), tasks, nodes, occ);
    assert.deepEqual(p.create, ['a']);
    assert.deepEqual(
      p.keep.map((s) => s[0]?.NodeID),
      ['b'],
    );
    assert.deepEqual(
      p.shutdown.map((x) => x.NodeID),
      ['c'],
    );
    assert.deepEqual(
      p.remove.map((x) => x.NodeID),
      ['gone'],
    );
  });

  it('planGlobalNode replaces an outdated task at once, and keeps one clean task', () => {
    const old = t('a');
    const dirty = (x: STask) => x === old;
    assert.deepEqual(planGlobalNode(svc(), node('a'), [old], occ, dirty), {
      create: true,
      shutdown: [old],
      remove: [],
    });
    const a = t('a');
    const b = t('a');
    const p = planGlobalNode(svc(), node('a'), [a, b], occ, () => false);
    assert.equal(p.create, false);
    assert.equal(p.shutdown.length, 1);
    assert.deepEqual(planGlobalNode(svc(), undefined, [a], occ, () => false).remove, [a]);
  });
});
