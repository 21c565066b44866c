/** Health checks as commands: Docker's timing, start period, timeouts, recovery. */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { realClock } from '../../base/clock.ts';
import type { HealthStatus } from '../executor.ts';
import { pollUntil, trackTimers } from '../testing.ts';
import { type HealthCheck, HealthMonitor, probeArgv } from './health.ts';
import { SERVE, sandbox, started } from './testkit.ts';

const timing = { intervalMs: 40, timeoutMs: 1_000, retries: 2, startPeriodMs: 0, startIntervalMs: 40 };

function monitor(check: Partial<HealthCheck> & { test: string[] }) {
  const clock = trackTimers(realClock);
  const seen: HealthStatus[] = [];
  const m = new HealthMonitor({
    check: { ...timing, ...check },
    clock,
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onChange: (h) => seen.push(h),
  });
  m.start();
  return { m, seen, clock, until: (cond: () => boolean, ms = 5_000) => pollUntil(clock, cond, ms) };
}

describe('process executor: health checks', () => {
  it('probe commands: CMD runs argv, CMD-SHELL runs sh -c, others are failures', () => {
    assert.deepEqual(probeArgv(['CMD', 'curl', '-f', 'x']), ['curl', '-f', 'x']);
    assert.deepEqual(probeArgv(['CMD-SHELL', 'test -f /x || exit 1']), [
      '/bin/sh',
      '-c',
      'test -f /x || exit 1',
    ]);
    assert.equal(probeArgv(['CMD']), undefined);
    assert.equal(probeArgv(['WHAT', 'x']), undefined);
  });

  it('starting -> healthy on the first pass', async () => {
    const { m, seen, clock, until } = monitor({ test: ['CMD', 'true'] });
    assert.equal(m.status, 'starting');
    assert.ok(await until(() => m.status === 'healthy'));
    m.stop();
    assert.deepEqual(seen, ['healthy']);
    assert.equal(clock.live, 0);
  });

  it('`retries` failures in a row make it unhealthy; a pass makes it healthy again', async () => {
    const flag = `${tmpdir()}/shoal-health-${process.pid}-${Date.now()}`;
    const { m, seen, until } = monitor({ test: ['CMD-SHELL', `test -f ${flag}`] });
    assert.ok(await until(() => m.status === 'unhealthy'));
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(flag, '');
    try {
      assert.ok(await until(() => m.status === 'healthy'));
    } finally {
      m.stop();
      rmSync(flag, { force: true });
    }
    assert.deepEqual(seen, ['unhealthy', 'healthy']);
  });

  it('failures inside the start period do not count', async () => {
    const { m, until } = monitor({ test: ['CMD', 'false'], startPeriodMs: 400, startIntervalMs: 30 });
    const t0 = Date.now();
    assert.ok(await until(() => m.status === 'unhealthy'));
    m.stop();
    assert.ok(Date.now() - t0 >= 400, `unhealthy after ${Date.now() - t0} ms, inside the start period`);
  });

  it('a probe that outlives its timeout fails (and is killed)', async () => {
    const { m, until } = monitor({ test: ['CMD', 'sleep', '5'], timeoutMs: 50, retries: 1 });
    assert.ok(await until(() => m.status === 'unhealthy', 2_000));
    m.stop();
  });

  it('a task with a check reports starting, then healthy; without one, none', async () => {
    const box = sandbox();
    const ex = box.executor();
    try {
      const plain = await started(ex, { Image: 'busybox', Command: SERVE });
      assert.equal(plain.ctlr.health(), 'none');
      const checked = await started(ex, {
        Image: 'busybox',
        Command: SERVE,
        HealthCheck: { Test: ['CMD-SHELL', 'test -n "$SHOAL_TASK_ID"'], Interval: 300_000_000 },
      });
      assert.equal(checked.ctlr.health(), 'starting');
      const changes: HealthStatus[] = [];
      checked.ctlr.onHealthChange((h) => changes.push(h));
      assert.ok(await pollUntil(box.clock, () => checked.ctlr.health() === 'healthy', 5_000));
      assert.deepEqual(changes, ['healthy']);
      await plain.ctlr.remove();
      await checked.ctlr.remove();
    } finally {
      await ex.dispose();
      box.cleanup(); // kills what a failed assertion left running
    }
    assert.equal(box.clock.live, 0);
  });
});
