/** Task output: captured to the log, read with tail/since/streams/follow, kept across a restart. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { MAX_LINE_BYTES } from './log-collector.ts';
import { collect, type Sandbox, sandbox, sleep, started } from './testkit.ts';

describe('process executor: logs', () => {
  const boxes: Sandbox[] = [];
  const box = (): Sandbox => {
    const b = sandbox();
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) b.cleanup();
  });

  it('captures stdout and stderr as JSON lines, readable after the exit', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['sh', '-c', 'echo one; echo two >&2; echo three; printf partial'],
    });
    assert.equal((await ctlr.wait()).exitCode, 0);
    const lines = await collect(ctlr.logs());
    assert.deepEqual(
      lines.filter((l) => l.startsWith('stdout')),
      ['stdout:one', 'stdout:three', 'stdout:partial'],
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('stderr')),
      ['stderr:two'],
    );
    const json = readFileSync(ctlr.task.layout.log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(json.every((e) => typeof e.t === 'number' && (e.s === 'stdout' || e.s === 'stderr')));
    assert.deepEqual(await collect(ctlr.logs({ stderr: true })), ['stderr:two']);
    // tail counts lines before the stream filter (Docker's json-file reader does too)
    assert.deepEqual(
      await collect(ctlr.logs({ stdout: true, tail: 4 })),
      lines.filter((l) => l.startsWith('stdout')),
    );
    await ctlr.remove();
    await ex.dispose();
    assert.equal(b.clock.live, 0);
  });

  it('tail counts the last lines; since filters by time', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['sh', '-c', 'for i in 1 2 3; do echo early$i; done; sleep 0.3; echo late'],
    });
    await sleep(150);
    const mid = Date.now();
    await ctlr.wait();
    assert.deepEqual(await collect(ctlr.logs({ tail: 2 })), ['stdout:early3', 'stdout:late']);
    assert.deepEqual(await collect(ctlr.logs({ tail: 0 })), []);
    assert.deepEqual(await collect(ctlr.logs({ since: mid })), ['stdout:late']);
    await ctlr.remove();
    await ex.dispose();
  });

  it('follow streams new lines and ends when the task exits', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['sh', '-c', 'echo a; sleep 0.2; echo b; sleep 0.2; echo c'],
    });
    const seen: string[] = [];
    const dec = new TextDecoder();
    for await (const l of ctlr.logs({ follow: true })) seen.push(dec.decode(l.data));
    assert.deepEqual(seen, ['a', 'b', 'c']);
    await ctlr.remove();
    await ex.dispose();
  });

  it('follow stops when its signal aborts', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, { Image: 'busybox', Command: ['sh', '-c', 'echo x; sleep 30'] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const lines = await collect(ctlr.logs({ follow: true, signal: ac.signal }));
    assert.deepEqual(lines, ['stdout:x']);
    await ctlr.remove();
    await ex.dispose();
  });

  it('cuts lines longer than 16 KiB', async () => {
    const b = box();
    const ex = b.executor();
    const { ctlr } = await started(ex, {
      Image: 'busybox',
      Command: ['node', '-e', `process.stdout.write('x'.repeat(${MAX_LINE_BYTES + 10}) + '\\n')`],
    });
    await ctlr.wait();
    const lines = await collect(ctlr.logs());
    assert.deepEqual(
      lines.map((l) => l.length - 'stdout:'.length),
      [MAX_LINE_BYTES, 10],
    );
    await ctlr.remove();
    await ex.dispose();
  });

  it('keeps the log across an executor restart, and collects what was written meanwhile', async () => {
    const b = box();
    const ex1 = b.executor();
    const { task, ctlr } = await started(ex1, {
      Image: 'busybox',
      Command: ['sh', '-c', 'echo before; sleep 0.4; echo during; sleep 0.4; echo after'],
    });
    await sleep(150);
    await ex1.dispose(); // the process runs on
    await sleep(300); // "during" is written while no executor is here
    const ex2 = b.executor();
    const again = ex2.controller(task) as typeof ctlr;
    const lines: string[] = [];
    const dec = new TextDecoder();
    for await (const l of again.logs({ follow: true })) lines.push(dec.decode(l.data));
    assert.deepEqual(lines, ['before', 'during', 'after']);
    assert.equal((await again.wait()).exitCode, 0);
    const ex3 = b.executor();
    assert.deepEqual(await collect(ex3.controller(task).logs!({ tail: 1 })), ['stdout:after']);
    await again.remove();
    await ex2.dispose();
    await ex3.dispose();
    assert.equal(b.clock.live, 0);
  });
});
