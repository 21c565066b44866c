/** Stopping: the stop signal to the whole process group, SIGKILL after the grace, exit codes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from './proc.ts';
import { IGNORE_STOP, type Sandbox, SERVE, sandbox, sleep, started } from './testkit.ts';

/** PIDs the task wrote to `pids` in its working directory. */
function pidsOf(workDir: string): number[] {
  return readFileSync(join(workDir, 'pids'), 'utf8').trim().split(/\s+/).map(Number);
}

describe('process executor: stopping', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('an exit by SIGTERM is 143; SIGKILL after the grace is 137', async () => {
    const b = box();
    const ex = b.executor();
    const serve = await started(ex, { Image: 'busybox', Command: SERVE });
    await serve.ctlr.shutdown(5_000);
    assert.equal((await serve.ctlr.wait()).exitCode, 143);

    const stubborn = await started(ex, { Image: 'busybox', Command: IGNORE_STOP });
    await sleep(100); // its trap is set
    const t0 = Date.now();
    await stubborn.ctlr.shutdown(300);
    assert.ok(Date.now() - t0 >= 290, 'not before the grace');
    assert.equal((await stubborn.ctlr.wait()).exitCode, 137);
    await serve.ctlr.remove();
    await stubborn.ctlr.remove();
    await ex.dispose();
    assert.equal(b.clock.live, 0);
  });

  it("the spec's StopSignal is sent", async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      StopSignal: 'SIGUSR1',
      Command: ['sh', '-c', 'trap "echo got-usr1; exit 7" USR1; trap "" TERM; while :; do sleep 0.05; done'],
    });
    await sleep(100);
    await ctlr.shutdown(5_000);
    assert.equal((await ctlr.wait()).exitCode, 7);
    const dec = new TextDecoder();
    const lines: string[] = [];
    for await (const l of ctlr.logs()) lines.push(dec.decode(l.data));
    // the whole group got it: the shell's trap ran (its sleep was ended by the signal too)
    assert.equal(lines[0], 'got-usr1');
    await ctlr.remove();
    await ex.dispose();
  });

  it('shutdown kills the whole process tree, also children that ignore the stop signal', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: [
        'sh',
        '-c',
        '(trap "" TERM; sleep 60) & (sh -c "sleep 60" &) ; echo $! > pids; sleep 0.1; pgrep -g 0 sleep | tr "\\n" " " >> pids; wait',
      ],
    });
    await sleep(300);
    const pids = pidsOf(ctlr.task.record!.cwd);
    assert.ok(pids.length >= 3, `children: ${pids.join(' ')}`);
    assert.ok(pids.some((p) => isAlive(p)));
    await ctlr.shutdown(200);
    await sleep(50);
    assert.deepEqual(
      pids.filter((p) => isAlive(p)),
      [],
      'no process of the task is left',
    );
    await ctlr.remove();
    await ex.dispose();
  });

  it('what a task leaves in the background dies with it', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['sh', '-c', 'sleep 60 & echo $! > pids; exit 0'],
    });
    assert.equal((await ctlr.wait()).exitCode, 0);
    const [bg] = pidsOf(ctlr.task.record!.cwd);
    await sleep(50);
    assert.equal(isAlive(bg!), false, 'the background sleep is gone');
    await ctlr.remove();
    await ex.dispose();
  });

  it('terminate() is SIGKILL at once', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, { Image: 'busybox', Command: IGNORE_STOP });
    await sleep(100); // its trap is set
    const t0 = Date.now();
    await ctlr.terminate();
    assert.ok(Date.now() - t0 < 1_000);
    assert.equal((await ctlr.wait()).exitCode, 137);
    assert.equal(ctlr.containerStatus().ExitCode, 137);
    assert.equal(ctlr.containerStatus().PID, undefined);
    await ctlr.remove();
    await ex.dispose();
  });

  it('a missing executable fails start like Docker', async () => {
    const b = box();
    const ex = b.executor();
    await assert.rejects(
      started(ex, { Image: 'busybox', Command: ['no-such-program-xyz'] }),
      /^ExecutorError: exec: "no-such-program-xyz": executable file not found in \$PATH$/,
    );
    await ex.dispose();
  });
});
