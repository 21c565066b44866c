import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service, Task } from '../../api/index.ts';
import { ProgressTracker } from './progress.ts';
import { bar, ProgressWriter } from './progress-writer.ts';

const svc = (mode: Service['Spec']['Mode']): Service =>
  ({ ID: 's', Spec: { Name: 'web', TaskTemplate: {}, Mode: mode } }) as Service;
const task = (slot: number, state: string, desired = 'running', node = 'n1'): Task =>
  ({
    ID: `t${slot}${state}`,
    ServiceID: 's',
    Slot: slot,
    NodeID: node,
    DesiredState: desired,
    Status: { State: state },
  }) as Task;
const active = new Set(['n1', 'n2']);

describe('ProgressTracker', () => {
  it('replicated: slots drawn first, then states, converged when all run', () => {
    const p = new ProgressTracker();
    const s = svc({ Replicated: { Replicas: 2 } });
    const first = p.update(s, [task(1, 'preparing')], active, false);
    assert.deepEqual(
      first.lines.map((l) => `${l.id}: ${l.action}`),
      [
        'overall progress: 0 out of 2 tasks',
        '1/2:  ',
        '2/2:  ',
        '1/2: preparing',
        'overall progress: 0 out of 2 tasks',
      ],
    );
    assert.equal(first.converged, false);
    const second = p.update(s, [task(1, 'running'), task(2, 'running')], active, false);
    assert.equal(second.converged, true);
    assert.equal(second.lines.at(-1)?.action, '2 out of 2 tasks');
    assert.deepEqual(second.lines[0]?.bar, [9, 9]);
    assert.equal(p.update(s, [task(1, 'running'), task(2, 'running')], active, false).lines.length, 0);
  });
  it('a task error is shown on its slot; a down node does not count', () => {
    const p = new ProgressTracker();
    const s = svc({ Replicated: { Replicas: 1 } });
    const t = {
      ...task(1, 'rejected', 'running'),
      Status: { State: 'rejected', Err: 'no suitable node' },
    } as Task;
    assert.ok(p.update(s, [t], active, false).lines.some((l) => l.action === 'no suitable node'));
    assert.equal(p.update(s, [task(1, 'running', 'running', 'gone')], active, false).converged, false);
  });
  it('global: one line per node, waits for the first tasks', () => {
    const p = new ProgressTracker();
    const s = svc({ Global: {} });
    assert.equal(p.update(s, [], active, false).lines[0]?.action, 'waiting for new tasks');
    const r = p.update(
      s,
      [task(0, 'running', 'running', 'n1'), task(0, 'running', 'running', 'n2')],
      active,
      true,
    );
    assert.equal(r.converged, true);
    assert.equal(r.lines.at(-1)?.action, 'rolling back update: 2 out of 2 tasks');
  });
  it('jobs: complete tasks out of the completions wanted', () => {
    const p = new ProgressTracker();
    const s = svc({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } });
    assert.equal(p.update(s, [task(1, 'complete', 'complete')], active, false).converged, false);
    const r = p.update(s, [task(1, 'complete', 'complete'), task(2, 'complete', 'complete')], active, false);
    assert.deepEqual([r.converged, r.lines[0]?.action], [true, '2 out of 2 complete']);
  });
});

describe('ProgressWriter', () => {
  it('plain output: changes only, no bars', () => {
    let out = '';
    const w = new ProgressWriter((s) => (out += s), false);
    w.show({ id: 'overall progress', action: '0 out of 1 tasks' });
    w.show({ id: '1/1', action: 'running  ', bar: [9, 9] });
    w.show({ id: 'overall progress', action: '0 out of 1 tasks' });
    w.show({ id: 'overall progress', action: '1 out of 1 tasks' });
    assert.equal(out, 'overall progress: 0 out of 1 tasks\noverall progress: 1 out of 1 tasks\n');
  });
  it('terminal: redraws a known line in place', () => {
    let out = '';
    const w = new ProgressWriter((s) => (out += s), true);
    w.show({ id: 'a', action: 'x' });
    w.show({ id: 'b', action: 'y' });
    w.show({ id: 'a', action: 'z', bar: [9, 9] });
    assert.equal(out, `a: x\nb: y\n\x1b[2A\x1b[2K\ra: z ${bar(9, 9)}\r\x1b[2B`);
    assert.equal(bar(9, 9), `[${'='.repeat(50)}>]`);
  });
});
