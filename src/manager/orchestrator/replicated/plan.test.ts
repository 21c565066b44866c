import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../api/service.ts';
import type { Task } from '../../../api/task.ts';
import type { TaskState } from '../../../api/task-state.ts';
import type { Stored } from '../../../store/types.ts';
import { isRunnable, type STask } from '../task.ts';
import { planReplicated, removalOrder } from './plan.ts';

const svc = (replicas: number) =>
  ({
    ID: 's',
    Spec: { Name: 's', TaskTemplate: {}, Mode: { Replicated: { Replicas: replicas } } },
  }) as unknown as Stored<Service>;

let n = 0;
function t(slot: number, node?: string, state: TaskState = 'running', desired: TaskState = 'running'): STask {
  return {
    ID: `t${n++}`,
    ServiceID: 's',
    Slot: slot,
    NodeID: node,
    DesiredState: desired,
    Status: { State: state, Timestamp: '' },
    CreatedAt: `2025-01-01T00:00:0${n % 10}.000Z`,
  } as unknown as Stored<Task>;
}

const wantedOnly = (slot: readonly STask[]) => slot.filter(isRunnable);

describe('planReplicated', () => {
  it('creates in the lowest free slots', () => {
    const p = planReplicated(svc(4), [t(2), t(5)], wantedOnly);
    assert.deepEqual(p.create, [1, 3]);
    assert.deepEqual(p.remove, []);
    assert.deepEqual(
      p.keep.map((s) => s[0]?.Slot),
      [2, 5],
    );
  });

  it('a slot whose tasks are all gone (desired past running) is free again', () => {
    const p = planReplicated(svc(2), [t(1), t(2, 'a', 'failed', 'shutdown')], wantedOnly);
    assert.deepEqual(p.create, [2]);
  });

  it('removes whole slots, and only tasks not already removed', () => {
    const p = planReplicated(svc(1), [t(1, 'a'), t(2, 'b'), t(2, 'b', 'ready', 'ready')], wantedOnly);
    assert.deepEqual(p.create, []);
    assert.deepEqual(
      p.remove.map((x) => x.Slot),
      [2, 2],
      'both tasks of slot 2 (a slot with two tasks goes first)',
    );
    assert.deepEqual(
      p.keep.map((s) => s[0]?.Slot),
      [1],
    );
  });

  it('nothing to do when the count matches', () => {
    const p = planReplicated(svc(2), [t(1), t(2)], wantedOnly);
    assert.deepEqual([p.create, p.remove, p.keep.length], [[], [], 2]);
  });

  it('removal order: not running first, then busiest node, then highest slot', () => {
    const occ = new Map<number, STask[]>([
      [1, [t(1, 'a')]],
      [2, [t(2, 'a')]],
      [3, [t(3, 'a')]],
      [4, [t(4, 'b')]],
      [5, [t(5, 'c', 'starting')]],
      [6, [t(6, undefined, 'pending')]],
      [7, [t(7, 'b')]],
    ]);
    // slot 6 has no node and slot 5 is not running: they go first (6 before 5: no node at all);
    // then a (3 tasks) loses its 3rd, then a's 2nd and b's 2nd tie: the higher slot first.
    assert.deepEqual(removalOrder(occ), [6, 5, 3, 7, 2, 4, 1]);
  });
});
