/**
 * Health checks on a real engine through a TaskRunner: RUNNING only once healthy; a task
 * that turns unhealthy later is stopped and FAILS (so the restart policy replaces it);
 * a new controller for an adopted task watches its health too.
 */
import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import { testEngine } from '../../../test/support/dockerd.ts';
import { NS_PER_MS } from '../../api/meta.ts';
import { realClock } from '../../base/clock.ts';
import { TaskRunner } from '../task-runner.ts';
import { pollUntil, StatusLog } from '../testing.ts';
import { busybox, dockerTask, SERVE, testExecutor } from './testkit.ts';

const t = await testEngine();
after(() => t.engine?.stop());

/** Healthy while /tmp/ok exists: the script removes it after `ms`. */
function turnsUnhealthy(ms: number) {
  return busybox(`touch /tmp/ok; (sleep ${ms / 1000}; rm /tmp/ok) & ${SERVE}`, {
    HealthCheck: {
      Test: ['CMD', 'test', '-e', '/tmp/ok'],
      Interval: 200 * NS_PER_MS,
      Timeout: 1_000 * NS_PER_MS,
      Retries: 2,
    },
    StopGracePeriod: 1_000 * NS_PER_MS,
  });
}

if (t.skip !== undefined) {
  test('DockerExecutor health checks', { skip: t.skip }, () => {});
} else {
  const engine = t.engine;
  describe('DockerExecutor health checks', () => {
    it("healthy, then unhealthy: RUNNING, then stopped and FAILED with Docker's message", async () => {
      const ex = testExecutor(engine);
      const log = new StatusLog();
      const runner = new TaskRunner({
        task: dockerTask(turnsUnhealthy(1_500)),
        executor: ex,
        clock: realClock,
        report: log.listener,
      });
      try {
        assert.ok(await pollUntil(realClock, () => log.has('running'), 10_000, 20), log.states.join());
        assert.equal(runner.controller?.health(), 'healthy');
        assert.ok(await pollUntil(realClock, () => log.state === 'failed', 15_000, 20), log.states.join());
        assert.match(log.last?.Err ?? '', /dockerexec: unhealthy container$/);
        assert.equal(log.last?.ContainerStatus?.ExitCode, 143, 'stopped by its stop signal');
        log.assertForward();
      } finally {
        await runner.remove();
        await ex.dispose();
      }
    });

    it('an adopted running task is still watched: turning unhealthy fails it', async () => {
      const first = testExecutor(engine);
      const task = dockerTask(turnsUnhealthy(2_500));
      const log = new StatusLog();
      const runner = new TaskRunner({ task, executor: first, clock: realClock, report: log.listener });
      assert.ok(await pollUntil(realClock, () => log.has('running'), 10_000, 20), log.states.join());
      runner.dispose();
      await first.dispose();

      const again = testExecutor(engine, { nodeId: first.opts.nodeId });
      const listed = await again.list();
      assert.ok(listed.some((l) => l.taskId === task.ID && l.running));
      const log2 = new StatusLog();
      const adopted = new TaskRunner({
        task: { ...task, Status: runner.current },
        executor: again,
        clock: realClock,
        report: log2.listener,
      });
      try {
        assert.ok(await pollUntil(realClock, () => log2.state === 'failed', 15_000, 20), log2.states.join());
        assert.match(log2.last?.Err ?? '', /unhealthy container/);
      } finally {
        await adopted.remove();
        await again.dispose();
      }
    });
  });
}
