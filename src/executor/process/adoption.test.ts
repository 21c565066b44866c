/** An executor restart: running tasks are adopted, ended ones reported, records listed. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pollUntil } from '../testing.ts';
import type { ProcessController } from './controller.ts';
import { isAlive } from './proc.ts';
import { IGNORE_STOP, type Sandbox, SERVE, sandbox, sleep, started } from './testkit.ts';

describe('process executor: adoption after a restart', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('a running process is adopted: same PID and id, and it can be stopped', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task, ctlr } = await started(ex1, { Image: 'busybox', Command: SERVE });
    const before = ctlr.containerStatus();
    await ex1.dispose();
    assert.ok(isAlive(before.PID!), 'disposing the executor leaves the process');

    const ex2 = b.executor();
    const listed = await ex2.list();
    assert.deepEqual(
      listed.map((t) => [t.taskId, t.running, t.containerStatus.PID]),
      [[task.ID, true, before.PID]],
    );
    const again = ex2.controller(task) as ProcessController;
    assert.deepEqual(again.containerStatus(), before);
    await again.start(); // idempotent: nothing new starts
    assert.equal(again.containerStatus().PID, before.PID);
    await again.shutdown(5_000);
    assert.equal((await again.wait()).exitCode, 143, 'the wrapper recorded the exit');
    await again.remove();
    await ex2.dispose();
    assert.equal(b.clock.live, 0);
  });

  it('an adopted process that ignores its stop signal is killed after the grace (137)', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task } = await started(ex1, { Image: 'busybox', Command: IGNORE_STOP });
    await ex1.dispose();
    const ex2 = b.executor();
    const again = ex2.controller(task);
    const t0 = Date.now();
    await again.shutdown(200);
    assert.ok(Date.now() - t0 >= 190);
    assert.equal((await again.wait()).exitCode, 137);
    await again.remove();
    await ex2.dispose();
  });

  it('a process that exited while the executor was away: its exit code from the wrapper', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task } = await started(ex1, { Image: 'busybox', Command: ['sh', '-c', 'sleep 0.2; exit 5'] });
    await ex1.dispose();
    await sleep(400);
    const ex2 = b.executor();
    const again = ex2.controller(task);
    assert.deepEqual(await again.wait(), { exitCode: 5, oomKilled: false });
    assert.equal(again.containerStatus().ExitCode, 5);
    const listed = await b.executor().list();
    assert.deepEqual(listed[0]?.exit, { exitCode: 5, oomKilled: false });
    await again.remove();
    await ex2.dispose();
  });

  it('an adopted process that ends later is noticed by polling', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task } = await started(ex1, { Image: 'busybox', Command: ['sh', '-c', 'sleep 0.4; exit 4'] });
    await ex1.dispose();
    const ex2 = b.executor();
    const again = ex2.controller(task);
    assert.equal(again.containerStatus().ExitCode, undefined);
    assert.equal((await again.wait()).exitCode, 4);
    await again.remove();
    await ex2.dispose();
  });

  it('a process killed while the executor was away: exit unknown, wait() rejects', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task, ctlr } = await started(ex1, { Image: 'busybox', Command: SERVE });
    const pid = ctlr.containerStatus().PID!;
    await ex1.dispose();
    process.kill(-pid, 'SIGKILL'); // the wrapper cannot write the code
    assert.ok(await pollUntil(b.clock, () => !isAlive(pid), 2_000));
    const ex2 = b.executor();
    const again = ex2.controller(task);
    await assert.rejects(again.wait(), /exit code is unknown/);
    await again.remove();
    await ex2.dispose();
  });

  it('a prepared, never started task is picked up as prepared', async () => {
    const b = box();
    const ex1 = b.executor();
    const task = (await import('../testing.ts')).makeTask('prepared1', { Image: 'busybox', Command: SERVE });
    await ex1.controller(task).prepare();
    await ex1.dispose();
    const ex2 = b.executor();
    const again = ex2.controller(task);
    assert.ok(again.containerStatus().ContainerID);
    await again.start();
    assert.ok(again.containerStatus().PID);
    await again.remove();
    await ex2.dispose();
  });
});
