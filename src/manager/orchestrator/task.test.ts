import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../api/node.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { SeededRng } from '../../base/rng.ts';
import { ManualClock } from '../../store/testing.ts';
import type { Stored } from '../../store/types.ts';
import { deepEqual } from './equal.ts';
import { invalidNode, isTaskDirty, newTask } from './task.ts';

const svc = (over: object = {}) =>
  ({
    ID: 'svc',
    SpecVersion: { Index: 7 },
    Spec: {
      Name: 'web',
      Labels: { team: 'a' },
      TaskTemplate: { ContainerSpec: { Image: 'x:1' } },
      Mode: { Replicated: { Replicas: 1 } },
    },
    ...over,
  }) as unknown as Stored<Service>;
const clock = new ManualClock(Date.UTC(2025, 0, 1));

describe('newTask', () => {
  it('copies the template, version and annotations; NEW, created', () => {
    const t = newTask(undefined, svc(), 3, clock, new SeededRng(1));
    assert.equal(t.ID.length, 25);
    assert.equal(t.Slot, 3);
    assert.equal(t.NodeID, undefined);
    assert.deepEqual(t.Spec, { ContainerSpec: { Image: 'x:1' } });
    assert.deepEqual(t.SpecVersion, { Index: 7 });
    assert.deepEqual(t.ServiceAnnotations, { Name: 'web', Labels: { team: 'a' } });
    assert.equal(t.DesiredState, 'running');
    assert.deepEqual(t.Status, { State: 'new', Message: 'created', Timestamp: '2025-01-01T00:00:00.000Z' });
    assert.equal(t.JobIteration, undefined);
  });

  it('global tasks carry their node; job tasks their iteration and desired COMPLETE', () => {
    const g = newTask(undefined, svc(), 'node1', clock, new SeededRng(1));
    assert.equal(g.NodeID, 'node1');
    assert.equal(g.Slot, undefined);
    const j = newTask(
      undefined,
      svc({
        JobStatus: { JobIteration: { Index: 4 } },
        Spec: { ...svc().Spec, Mode: { ReplicatedJob: {} } },
      }),
      1,
      clock,
      new SeededRng(1),
    );
    assert.deepEqual(j.JobIteration, { Index: 4 });
    assert.equal(j.DesiredState, 'complete');
  });
});

describe('isTaskDirty', () => {
  const node = (labels: Record<string, string>) =>
    ({
      ID: 'n',
      Spec: { Labels: labels, Role: 'worker', Availability: 'active' },
      Status: { State: 'ready' },
    }) as unknown as Stored<Node>;
  const task = (spec: object, version = 1) =>
    ({ Spec: spec, SpecVersion: { Index: version }, NodeID: 'n' }) as unknown as Stored<Task>;

  it('same version: clean; a changed template: dirty; the same template under a new version: clean', () => {
    assert.equal(isTaskDirty(svc(), task({ ContainerSpec: { Image: 'other' } }, 7), undefined), false);
    assert.equal(isTaskDirty(svc(), task({ ContainerSpec: { Image: 'x:2' } }), undefined), true);
    assert.equal(isTaskDirty(svc(), task({ ContainerSpec: { Image: 'x:1' } }), undefined), false);
  });

  it('a placement-only change is clean while the node still satisfies it', () => {
    const s = svc({
      Spec: {
        ...svc().Spec,
        TaskTemplate: { ContainerSpec: { Image: 'x:1' }, Placement: { Constraints: ['node.labels.z==1'] } },
      },
    });
    const t = task({ ContainerSpec: { Image: 'x:1' } });
    assert.equal(isTaskDirty(s, t, node({ z: '1' })), false);
    assert.equal(isTaskDirty(s, t, node({ z: '2' })), true);
  });
});

describe('helpers', () => {
  it('invalidNode: gone, down or drained', () => {
    const n = (state: string, availability: string) =>
      ({ Spec: { Availability: availability }, Status: { State: state } }) as unknown as Stored<Node>;
    assert.equal(invalidNode(undefined), true);
    assert.equal(invalidNode(n('down', 'active')), true);
    assert.equal(invalidNode(n('ready', 'drain')), true);
    assert.equal(invalidNode(n('unknown', 'pause')), false);
  });

  it('deepEqual treats undefined properties as absent', () => {
    assert.equal(deepEqual({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(deepEqual({ a: [1, { c: 2 }] }, { a: [1, { c: 2 }] }), true);
    assert.equal(deepEqual({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(deepEqual({ a: 1 }, { a: 1, b: 0 }), false);
    assert.equal(deepEqual([], {}), false);
    assert.equal(deepEqual(null, {}), false);
  });
});
