/**
 * TaskRunner behaviour beyond the contract, on FakeExecutor and virtual time: pre-emption
 * of hung steps, the terminate safety net, temporary-error retries, runtime failures,
 * health turning bad while RUNNING, adoption, and that dispose leaks nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_MS } from '../api/meta.ts';
import type { Task } from '../api/task.ts';
import type { ContainerSpec } from '../api/task-spec.ts';
import { Limiter } from '../base/limiter.ts';
import { SeededRng } from '../base/rng.ts';
import { NodeClock, VirtualTime } from '../sim/time.ts';
import type { Controller } from './executor.ts';
import { FakeExecutor } from './fake/executor.ts';
import { UNHEALTHY } from './progress.ts';
import { TaskRunner } from './task-runner.ts';
import { makeTask, runUntil, StatusLog, trackTimers } from './testing.ts';

const GRACE = 2_000;

function setup(labels: Record<string, string> = {}, extra: Partial<ContainerSpec> = {}) {
  const vt = new VirtualTime();
  const clock = trackTimers(new NodeClock(vt, 1));
  const executor = new FakeExecutor({ clock, rng: new SeededRng(3), missingImages: ['gone:1'] });
  const task = makeTask('t1', {
    Image: 'nginx',
    StopGracePeriod: GRACE * NS_PER_MS,
    Labels: { 'shoal.fake.prepare-ms': '100', 'shoal.fake.start-ms': '50', ...labels },
    ...extra,
  });
  const log = new StatusLog();
  const run = (cond: () => boolean, ms = 60_000) => runUntil(vt, cond, ms);
  const runner = (t: Task = task, opts: { killAfterMs?: number; retryDelayMs?: number } = {}) =>
    new TaskRunner({ task: t, executor, clock, report: log.listener, ...opts });
  return { vt, clock, executor, task, log, run, runner, container: () => executor.registry.require(t1) };
}
const t1 = 't1';

describe('TaskRunner', () => {
  it('desired SHUTDOWN pre-empts a prepare that never finishes', async () => {
    const s = setup({ 'shoal.fake.hang': 'prepare' });
    const r = s.runner();
    await s.run(() => false, 10_000);
    assert.equal(s.log.state, 'preparing');
    r.setDesired('shutdown');
    assert.ok(await s.run(() => s.log.state === 'shutdown', 1_000));
    assert.equal(s.container().state, 'new', 'nothing was created');
    s.log.assertForward();
    r.dispose();
    assert.equal(s.clock.live, 0);
  });

  it('desired SHUTDOWN pre-empts a start that never finishes', async () => {
    const s = setup({ 'shoal.fake.hang': 'start' });
    const r = s.runner();
    await s.run(() => false, 10_000);
    assert.equal(s.log.state, 'starting');
    r.setDesired('shutdown');
    assert.ok(await s.run(() => s.log.state === 'shutdown', 1_000));
    assert.equal(s.container().state, 'created');
    r.dispose();
  });

  it('kills a task whose shutdown never finishes, after grace + killAfterMs', async () => {
    const s = setup();
    const r = s.runner(s.task, { killAfterMs: 1_000 });
    assert.ok(await s.run(() => s.log.state === 'running'));
    const ctlr = r.controller as Controller;
    ctlr.shutdown = () => new Promise(() => {}); // a runtime that never answers the stop
    const t0 = s.vt.now;
    r.setDesired('shutdown');
    assert.ok(await s.run(() => s.log.state === 'shutdown'));
    assert.equal(s.vt.now - t0, GRACE + 1_000);
    assert.deepStrictEqual(s.container().signals, ['SIGKILL']);
    assert.equal(s.log.last?.ContainerStatus?.ExitCode, 137);
    r.dispose();
    assert.equal(s.clock.live, 0);
  });

  it('a task that survives even SIGKILL stays RUNNING (nothing invented) until it exits', async () => {
    const s = setup({ 'shoal.fake.on-stop': 'hang' });
    const r = s.runner(s.task, { killAfterMs: 1_000 });
    assert.ok(await s.run(() => s.log.state === 'running'));
    r.setDesired('shutdown');
    await s.run(() => false, 60_000);
    assert.equal(s.log.state, 'running');
    assert.deepStrictEqual(s.container().signals, ['SIGTERM', 'SIGKILL']);
    s.container().exitNow(0);
    assert.ok(await s.run(() => s.log.state === 'shutdown', 10));
    r.dispose();
  });

  it('retries a step that failed with a temporary error', async () => {
    const s = setup();
    s.executor.controller(s.task).close(); // create the container, to inject into it
    s.container().failNext('prepare', 'registry unreachable', { temporary: true });
    s.runner(s.task, { retryDelayMs: 500 });
    assert.ok(await s.run(() => s.log.state === 'running'));
    assert.deepStrictEqual(s.log.states, ['accepted', 'preparing', 'ready', 'starting', 'running']);
    assert.ok(s.log.statuses.every((st) => st.Err === undefined));
  });

  it('a start error fails the task with its message; a wait error too', async () => {
    const s = setup();
    s.executor.controller(s.task).close();
    s.container().failNext('start', 'starting container failed: no such network');
    s.runner();
    assert.ok(await s.run(() => s.log.state === 'failed'));
    assert.equal(s.log.last?.Err, 'starting container failed: no such network');
    assert.equal(s.log.last?.Message, 'starting');

    const s2 = setup();
    s2.runner();
    assert.ok(await s2.run(() => s2.log.state === 'running'));
    s2.container().fail();
    assert.ok(await s2.run(() => s2.log.state === 'failed', 10));
    assert.equal(s2.log.last?.Err, 'dockerexec: container destroyed');
  });

  it('a temporary wait error is retried and the real exit still reported', async () => {
    const s = setup({ 'shoal.fake.exit': '4', 'shoal.fake.run-ms': '5000' });
    s.executor.controller(s.task).close();
    s.container().failNext('wait', 'connection reset', { temporary: true });
    s.runner(s.task, { retryDelayMs: 100 });
    assert.ok(await s.run(() => s.log.state === 'failed'));
    assert.equal(s.log.last?.Err, 'task: non-zero exit (4)');
  });

  it("turning unhealthy while RUNNING stops the task and fails it with Docker's message", async () => {
    const hc = { Test: ['CMD', 'check'], Interval: 1_000 * NS_PER_MS, Retries: 3 };
    const s = setup({ 'shoal.fake.unhealthy-ms': '10000' }, { HealthCheck: hc });
    s.runner();
    assert.ok(await s.run(() => s.log.state === 'running'));
    const runningAt = s.vt.now;
    assert.ok(await s.run(() => s.log.state === 'failed'));
    assert.equal(s.log.last?.Err, `task: non-zero exit (143): ${UNHEALTHY}`);
    assert.deepStrictEqual(s.container().signals, ['SIGTERM']);
    assert.ok(s.vt.now - runningAt >= 10_000);
  });

  it('desired SHUTDOWN while stopping an unhealthy task: SHUTDOWN wins', async () => {
    const hc = { Test: ['CMD', 'check'], Interval: 1_000 * NS_PER_MS, Retries: 1 };
    const s = setup({ 'shoal.fake.health': 'fail', 'shoal.fake.stop-ms': '500' }, { HealthCheck: hc });
    const r = s.runner();
    assert.ok(await s.run(() => s.container().healthStatus === 'unhealthy'));
    r.setDesired('shutdown');
    assert.ok(await s.run(() => s.log.state === 'shutdown'));
    assert.ok(!s.log.has('running'));
  });

  it('an OOM kill is a failure with the exit code', async () => {
    const s = setup();
    s.runner();
    assert.ok(await s.run(() => s.log.state === 'running'));
    s.container().oomKill();
    assert.ok(await s.run(() => s.log.state === 'failed', 10));
    assert.equal(s.log.last?.Err, 'task: non-zero exit (137)');
  });

  it('a task the executor cannot take is REJECTED when its controller is resolved', async () => {
    const s = setup({ 'shoal.fake.exit': 'soon' });
    const r = s.runner();
    assert.equal(s.log.statuses.length, 0, 'no report from inside the constructor');
    await r.whenTerminal();
    assert.deepStrictEqual(s.log.states, ['rejected']);
    assert.equal(s.log.last?.Message, 'resolving controller failed');
    assert.match(s.log.last?.Err ?? '', /shoal\.fake\.exit=soon/);
  });

  it('adopts a task found RUNNING that has exited meanwhile', async () => {
    const s = setup({ 'shoal.fake.exit': '0', 'shoal.fake.run-ms': '1000' });
    const first = s.runner();
    assert.ok(await s.run(() => s.log.state === 'running'));
    first.dispose();
    await s.run(() => false, 5_000); // exits while nobody watches
    const log2 = new StatusLog();
    new TaskRunner({
      task: { ...s.task, Status: first.current },
      executor: s.executor,
      clock: s.clock,
      report: log2.listener,
    });
    assert.ok(await s.run(() => log2.state === 'complete', 10));
    assert.deepStrictEqual(log2.states, ['complete']);
  });

  it('stamps reports with the clock and ignores lower desired states', async () => {
    const s = setup();
    const r = s.runner();
    assert.ok(await s.run(() => s.log.state === 'running'));
    assert.equal(s.log.last?.Timestamp, new Date(s.clock.wallNow()).toISOString());
    r.update({ DesiredState: 'assigned' });
    assert.equal(r.desired, 'running');
    r.dispose();
    assert.equal(s.container().state, 'running', 'dispose leaves the task running');
    assert.equal(s.clock.live, 0, 'the container has no timer left (runs until stopped)');
  });
});

describe('TaskRunner with a node-wide limiter', () => {
  it('prepares and starts in parallel, never more than the limit at once; a queued step abandoned never runs', async () => {
    const vt = new VirtualTime();
    const clock = trackTimers(new NodeClock(vt, 1));
    const executor = new FakeExecutor({ clock, rng: new SeededRng(4) });
    const limiter = new Limiter(2);
    let inFlight = 0;
    let peak = 0;
    const counting = {
      controller(task: Task): Controller {
        const c = executor.controller(task);
        const wrap =
          <A extends unknown[]>(f: (...a: A) => Promise<void>) =>
          async (...a: A): Promise<void> => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            try {
              await f(...a);
            } finally {
              inFlight--;
            }
          };
        return Object.assign(Object.create(c) as Controller, {
          prepare: wrap(c.prepare.bind(c)),
          start: wrap(c.start.bind(c)),
        });
      },
    };
    const logs = [1, 2, 3, 4, 5, 6].map(() => new StatusLog());
    const runners = logs.map(
      (log, i) =>
        new TaskRunner({
          task: makeTask(`t${i}`, {
            Image: 'nginx',
            Labels: { 'shoal.fake.prepare-ms': '100', 'shoal.fake.start-ms': '50' },
          }),
          executor: counting,
          clock,
          report: log.listener,
          limiter,
        }),
    );
    // The last one is stopped while it still waits for a place: it never prepares.
    runners[5]?.setDesired('shutdown');
    assert.ok(await runUntil(vt, () => logs.slice(0, 5).every((l) => l.state === 'running'), 10_000));
    assert.equal(peak, 2, 'at most two steps at once');
    assert.ok(await runUntil(vt, () => logs[5]?.state === 'shutdown', 5_000));
    assert.equal(executor.registry.get('t5')?.state ?? 'new', 'new', 'the abandoned task was never prepared');
    assert.equal(limiter.active, 0);
    for (const r of runners) r.dispose();
  });
});
