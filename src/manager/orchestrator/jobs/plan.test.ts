import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../api/node.ts';
import type { Service } from '../../../api/service.ts';
import type { Task } from '../../../api/task.ts';
import type { TaskState } from '../../../api/task-state.ts';
import type { Stored } from '../../../store/types.ts';
import type { STask } from '../task.ts';
import { jobIteration, planGlobalJob, planReplicatedJob } from './plan.ts';

const job = (mode: object, iteration?: number) =>
  ({
    ID: 'j',
    CreatedAt: '2025-01-01T00:00:00.000Z',
    SpecVersion: { Index: 5 },
    Spec: { Name: 'j', Mode: mode, TaskTemplate: {} },
    ...(iteration !== undefined && {
      JobStatus: { JobIteration: { Index: iteration }, LastExecution: '2025-01-01T00:01:00.000Z' },
    }),
  }) as unknown as Stored<Service>;

let n = 0;
function t(over: {
  slot?: number;
  node?: string;
  state?: TaskState;
  desired?: TaskState;
  it?: number;
  v?: number;
}): STask {
  return {
    ID: `t${n++}`,
    Slot: over.slot,
    NodeID: over.node,
    DesiredState: over.desired ?? 'complete',
    Status: { State: over.state ?? 'running' },
    JobIteration: { Index: over.it ?? 0 },
    SpecVersion: { Index: over.v ?? 5 },
  } as unknown as Stored<Task>;
}

const node = (id: string, created: string) =>
  ({
    ID: id,
    CreatedAt: created,
    Spec: { Availability: 'active', Role: 'worker' },
    Status: { State: 'ready' },
  }) as unknown as Stored<Node>;

describe('job plans', () => {
  it('jobIteration: writes a missing status; starts a new iteration when the spec moved on', () => {
    assert.deepEqual(jobIteration(job({ ReplicatedJob: {} }), [], 'NOW'), {
      iteration: 0,
      jobStatus: { JobIteration: { Index: 0 }, LastExecution: '2025-01-01T00:00:00.000Z' },
    });
    assert.deepEqual(jobIteration(job({ ReplicatedJob: {} }, 2), [t({ it: 2 })], 'NOW'), { iteration: 2 });
    assert.deepEqual(jobIteration(job({ ReplicatedJob: {} }, 2), [t({ it: 2, v: 4 })], 'NOW'), {
      iteration: 3,
      jobStatus: { JobIteration: { Index: 3 }, LastExecution: 'NOW' },
    });
  });

  it('replicated job: MaxConcurrent and TotalCompletions bound the new tasks', () => {
    const svc = job({ ReplicatedJob: { MaxConcurrent: 3, TotalCompletions: 5 } }, 0);
    const ok = () => true;
    const p = planReplicatedJob(svc, [t({ slot: 1, state: 'complete' }), t({ slot: 2 })], 0, ok, ok);
    assert.deepEqual(p.create, [3, 4], '3 at once: 1 runs, 2 more');
    const q = planReplicatedJob(
      svc,
      [1, 2, 3, 4].map((s) => t({ slot: s, state: 'complete' })),
      0,
      ok,
      ok,
    );
    assert.deepEqual(q.create, [5], 'only one completion left');
    const failed = t({ slot: 1, state: 'failed' });
    assert.deepEqual(planReplicatedJob(svc, [failed], 0, ok, ok).restart, [failed]);
  });

  it('replicated job: a slot that failed for good is spent; older iterations are removed', () => {
    const svc = job({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } }, 1);
    const spent = t({ slot: 1, state: 'failed', desired: 'shutdown', it: 1 });
    const older = t({ slot: 1, state: 'running', it: 0 });
    const p = planReplicatedJob(
      svc,
      [spent, older],
      1,
      () => false,
      () => true,
    );
    assert.deepEqual(p.create, [2]);
    assert.deepEqual(p.remove, [older]);
  });

  it('global job: nodes that existed at LastExecution, once each', () => {
    const svc = job({ GlobalJob: {} }, 0);
    const nodes = [
      node('a', '2025-01-01T00:00:00.000Z'),
      node('b', '2025-01-01T00:00:30.000Z'),
      node('late', '2025-01-01T00:02:00.000Z'),
    ];
    const p = planGlobalJob(
      svc,
      [t({ node: 'a', state: 'complete' })],
      nodes,
      0,
      '2025-01-01T00:01:00.000Z',
      () => true,
    );
    assert.deepEqual(p.create, ['b']);
  });
});
