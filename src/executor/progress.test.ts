import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TaskStatus } from '../api/task.ts';
import { isTerminal, stateRank, TASK_STATES, type TaskState } from '../api/task-state.ts';
import {
  exitReport,
  failure,
  nextStatus,
  nextStep,
  type Step,
  type TaskFacts,
  UNHEALTHY,
} from './progress.ts';

const facts = (over: Partial<TaskFacts>): TaskFacts => ({
  state: 'assigned',
  desired: 'running',
  prepared: false,
  started: false,
  health: 'none',
  stop: 'none',
  ...over,
});

const reportOf = (s: Step) => (s.kind === 'report' ? s.report : undefined);

describe('nextStep', () => {
  it('walks ASSIGNED to RUNNING with swarmkit messages, one step at a time', () => {
    const f = facts({});
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = nextStep(f);
      if (s.kind === 'idle') break;
      if (s.kind === 'report') {
        seen.push(`${s.report.state}:${s.report.message}`);
        f.state = s.report.state;
      } else if (s.kind === 'prepare') {
        seen.push('prepare()');
        f.prepared = true;
      } else if (s.kind === 'start') {
        seen.push('start()');
        f.started = true;
      } else assert.fail(`unexpected ${s.kind}`);
    }
    assert.deepStrictEqual(seen, [
      'accepted:accepted',
      'preparing:preparing',
      'prepare()',
      'ready:prepared',
      'starting:starting',
      'start()',
      'running:started',
    ]);
    assert.deepStrictEqual(nextStep(f), { kind: 'idle' }, 'RUNNING waits for the exit');
  });

  it('pauses at the desired state (READY) and never passes it by bookkeeping', () => {
    assert.deepStrictEqual(nextStep(facts({ state: 'ready', desired: 'ready', prepared: true })), {
      kind: 'idle',
    });
    assert.deepStrictEqual(nextStep(facts({ state: 'accepted', desired: 'accepted' })), { kind: 'idle' });
    // but a step under way finishes: PREPARING goes on to prepare even with desired PREPARING
    assert.deepStrictEqual(nextStep(facts({ state: 'preparing', desired: 'preparing' })), {
      kind: 'prepare',
    });
  });

  it('gates RUNNING on health: starting waits, healthy or none proceeds, unhealthy stops', () => {
    const at = (health: TaskFacts['health']) => nextStep(facts({ state: 'starting', started: true, health }));
    assert.deepStrictEqual(at('starting'), { kind: 'idle' });
    assert.equal(reportOf(at('healthy'))?.state, 'running');
    assert.equal(reportOf(at('none'))?.state, 'running');
    assert.deepStrictEqual(at('unhealthy'), { kind: 'shutdown', reason: 'unhealthy' });
    const stopping = facts({ state: 'running', started: true, health: 'unhealthy', stop: 'requested' });
    assert.deepStrictEqual(nextStep(stopping), { kind: 'idle' }, 'waits for the exit');
    const exited = { ...stopping, exit: { exitCode: 143, oomKilled: false } };
    assert.deepStrictEqual(reportOf(nextStep(exited)), {
      state: 'failed',
      message: undefined,
      err: `task: non-zero exit (143): ${UNHEALTHY}`,
    });
  });

  it('desired SHUTDOWN: shutdown from any live state, SHUTDOWN once stopped, nothing once terminal', () => {
    for (const state of [
      'assigned',
      'accepted',
      'preparing',
      'ready',
      'starting',
      'running',
    ] as TaskState[]) {
      assert.deepStrictEqual(nextStep(facts({ state, desired: 'shutdown' })), {
        kind: 'shutdown',
        reason: 'desired',
      });
      assert.deepStrictEqual(nextStep(facts({ state, desired: 'remove', busy: 'prepare' })), {
        kind: 'shutdown',
        reason: 'desired',
      });
      assert.deepStrictEqual(nextStep(facts({ state, desired: 'shutdown', stop: 'requested' })), {
        kind: 'idle',
      });
      assert.equal(
        reportOf(nextStep(facts({ state, desired: 'shutdown', stop: 'done' })))?.state,
        'shutdown',
      );
    }
    const exitedWhileStopping = facts({
      state: 'running',
      desired: 'shutdown',
      stop: 'requested',
      exit: { exitCode: 143, oomKilled: false },
    });
    assert.deepStrictEqual(reportOf(nextStep(exitedWhileStopping)), {
      state: 'shutdown',
      message: 'shutdown',
    });
    for (const state of ['complete', 'failed', 'rejected', 'shutdown'] as TaskState[]) {
      assert.deepStrictEqual(nextStep(facts({ state, desired: 'shutdown' })), { kind: 'idle' });
    }
  });

  it('an error rejects before STARTING and fails from STARTING on', () => {
    assert.deepStrictEqual(
      reportOf(nextStep(facts({ state: 'preparing', error: 'No such image: x:latest' }))),
      {
        state: 'rejected',
        message: undefined,
        err: 'No such image: x:latest',
      },
    );
    assert.equal(failure('starting', 'boom').state, 'failed');
    assert.equal(failure('running', 'boom').state, 'failed');
    assert.equal(failure('ready', 'boom').state, 'rejected');
  });

  it("reports exits with Docker's messages", () => {
    assert.deepStrictEqual(exitReport({ exitCode: 0, oomKilled: false }, false), {
      state: 'complete',
      message: 'finished',
    });
    assert.deepStrictEqual(exitReport({ exitCode: 3, oomKilled: false }, false), {
      state: 'failed',
      err: 'task: non-zero exit (3)',
    });
    assert.equal(exitReport({ exitCode: 137, oomKilled: true }, false).err, 'task: non-zero exit (137)');
    assert.equal(
      exitReport({ exitCode: 1, oomKilled: false, error: 'x' }, false).err,
      'task: non-zero exit (1): x',
    );
    assert.equal(exitReport({ exitCode: 0, oomKilled: false }, true).err, UNHEALTHY);
  });
});

describe('nextStatus', () => {
  const prev: TaskStatus = { Timestamp: 't0', State: 'starting', Message: 'starting' };

  it('keeps the message on a failure, sets Err, carries the container status from STARTING', () => {
    const s = nextStatus(prev, { state: 'failed', err: 'e' }, 't1', { ContainerID: 'c1', ExitCode: 2 });
    assert.deepStrictEqual(s, {
      Timestamp: 't1',
      State: 'failed',
      Message: 'starting',
      Err: 'e',
      ContainerStatus: { ContainerID: 'c1', ExitCode: 2 },
    });
    const early = nextStatus(
      { Timestamp: 't0', State: 'assigned' },
      { state: 'accepted', message: 'accepted' },
      't1',
      {
        ContainerID: 'c1',
      },
    );
    assert.equal(early.ContainerStatus, undefined);
  });

  it('refuses to go backwards', () => {
    assert.throws(
      () => nextStatus(prev, { state: 'ready', message: 'prepared' }, 't1'),
      /may not go from starting/,
    );
  });
});

type Event =
  | { k: 'desired'; to: TaskState }
  | { k: 'prepared' }
  | { k: 'started' }
  | { k: 'health'; h: TaskFacts['health'] }
  | { k: 'exit'; code: number }
  | { k: 'stopDone' }
  | { k: 'error' };

const events: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    k: fc.constant('desired' as const),
    to: fc.constantFrom<TaskState>('ready', 'running', 'complete', 'shutdown', 'remove'),
  }),
  fc.constant({ k: 'prepared' as const }),
  fc.constant({ k: 'started' as const }),
  fc.record({
    k: fc.constant('health' as const),
    h: fc.constantFrom('starting', 'healthy', 'unhealthy' as const),
  }),
  fc.record({ k: fc.constant('exit' as const), code: fc.constantFrom(0, 1, 137) }),
  fc.constant({ k: 'stopDone' as const }),
  fc.constant({ k: 'error' as const }),
);

describe('nextStep (property)', () => {
  it('whatever happens, reports only move forward, end, and RUNNING comes only when healthy or unchecked', () => {
    fc.assert(
      fc.property(fc.array(events, { maxLength: 30 }), (evs) => {
        const f = facts({ desired: 'ready' });
        let last = stateRank(f.state);
        const drain = () => {
          for (let i = 0; i < 12; i++) {
            const s = nextStep(f);
            if (s.kind === 'report') {
              assert.ok(stateRank(s.report.state) > last, `${f.state} -> ${s.report.state}`);
              if (s.report.state === 'running')
                assert.ok(f.health !== 'starting' && f.health !== 'unhealthy');
              last = stateRank(s.report.state);
              f.state = s.report.state;
              continue;
            }
            if (s.kind === 'shutdown') f.stop = 'requested';
            return; // an operation (or nothing) is now in flight
          }
          assert.fail('more than 12 reports in a row');
        };
        drain();
        for (const e of evs) {
          if (e.k === 'desired' && TASK_STATES[e.to] > TASK_STATES[f.desired]) f.desired = e.to;
          if (e.k === 'prepared') f.prepared = true;
          if (e.k === 'started' && f.prepared) f.started = true;
          if (e.k === 'health' && f.started) f.health = e.h;
          if (e.k === 'exit' && f.started) f.exit = { exitCode: e.code, oomKilled: false };
          if (e.k === 'stopDone' && f.stop === 'requested') f.stop = 'done';
          if (e.k === 'error') f.error = 'boom';
          drain();
        }
        if (isTerminal(f.state)) assert.deepStrictEqual(nextStep(f), { kind: 'idle' });
      }),
      { numRuns: 2_000 },
    );
  });
});
