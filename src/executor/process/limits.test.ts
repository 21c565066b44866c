/** Resource limits: ulimits through prlimit, memory by the watchdog (reported as OOM). */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Task } from '../../api/task.ts';
import { collect, type Sandbox, sandbox, started } from './testkit.ts';

describe('process executor: limits', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('ulimits apply to the process', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['sh', '-c', 'ulimit -Sn; ulimit -Hn'],
      Ulimits: [{ Name: 'nofile', Soft: 123, Hard: 456 }],
    });
    assert.equal((await ctlr.wait()).exitCode, 0);
    assert.deepEqual(await collect(ctlr.logs()), ['stdout:123', 'stdout:456']);
    await ctlr.remove();
    await ex.dispose();
  });

  it('an unknown ulimit rejects the task', async () => {
    const b = box();
    const ex = b.executor();
    await assert.rejects(
      started(ex, { Image: 'busybox', Command: ['true'], Ulimits: [{ Name: 'bogus', Soft: 1, Hard: 1 }] }),
      /invalid ulimit type: bogus/,
    );
    await ex.dispose();
  });

  it('a task over its memory limit is killed and reported OOM-killed', async () => {
    const b = box();
    const ex = b.executor({ memoryPollMs: 50 });
    const limited: Partial<Task> = {
      Spec: {
        ContainerSpec: { Image: 'node:20' },
        Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 } },
      },
    };
    const hog = 'const a=[];setInterval(()=>a.push(Buffer.alloc(16*1024*1024,1)),20)';
    const { ctlr } = await started(
      ex,
      { Image: 'node:20', Args: ['-e', hog] },
      {
        task: { Spec: { ...limited.Spec, ContainerSpec: { Image: 'node:20', Args: ['-e', hog] } } },
      },
    );
    const exit = await ctlr.wait();
    assert.deepEqual(exit, { exitCode: 137, oomKilled: true, error: 'memory limit exceeded' });
    await ctlr.remove();
    await ex.dispose();
    assert.equal(b.clock.live, 0);
  });
});
