/**
 * What only the fake promises: its labels, its controls (exit, oomKill, fail, hang,
 * setHealth, failNext, log), the shared registry, Docker's health timing, determinism
 * under a seed, and that the node going away stops everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_MS } from '../../api/meta.ts';
import type { ContainerSpec } from '../../api/task-spec.ts';
import { isShoalError } from '../../base/errors.ts';
import { SeededRng } from '../../base/rng.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { drive } from '../contract.ts';
import type { Controller, TaskLogLine } from '../executor.ts';
import { makeTask, runUntil, trackTimers } from '../testing.ts';
import { FakeExecutor, type FakeExecutorOptions } from './executor.ts';
import { programOf } from './program.ts';
import { FakeRegistry } from './registry.ts';

function node(opts: Partial<FakeExecutorOptions> = {}, vt = new VirtualTime()) {
  const clock = trackTimers(new NodeClock(vt, 1));
  const executor = new FakeExecutor({ clock, rng: new SeededRng(5), ...opts });
  const run = (cond: () => boolean, ms = 60_000) => runUntil(vt, cond, ms);
  /** Settles `p` on virtual time. */
  const settle = <T>(p: Promise<T>): Promise<T> => drive({ until: run }, p, 60_000);
  return { vt, clock, executor, run, settle };
}

const spec = (labels: Record<string, string> = {}, extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  Image: 'nginx',
  Labels: labels,
  ...extra,
});

async function started(n: ReturnType<typeof node>, id: string, s: ContainerSpec): Promise<Controller> {
  const c = n.executor.controller(makeTask(id, s));
  await n.settle(c.prepare());
  await n.settle(c.start());
  return c;
}

describe('FakeExecutor', () => {
  it('takes each step the time its labels say', async () => {
    const n = node();
    const c = n.executor.controller(
      makeTask('a', spec({ 'shoal.fake.prepare-ms': '700', 'shoal.fake.start-ms': '300' })),
    );
    await n.settle(c.prepare());
    assert.equal(n.vt.now, 700);
    await n.settle(c.start());
    assert.equal(n.vt.now, 1_000);
    assert.match(c.containerStatus().ContainerID ?? '', /^[0-9a-f]{64}$/);
    assert.ok((c.containerStatus().PID ?? 0) > 1);
  });

  it('is controlled through a registry shared by many nodes', async () => {
    const registry = new FakeRegistry();
    const vt = new VirtualTime();
    const n1 = node({ registry, hostname: 'n1' }, vt);
    const n2 = node({ registry, hostname: 'n2' }, vt);
    const a = await started(n1, 'a', spec());
    const b = await started(n2, 'b', spec());
    assert.equal(registry.size, 2);
    assert.equal(registry.require('b').node, 'n2');
    assert.deepStrictEqual(
      registry.inState('running').map((c) => c.taskId),
      ['a', 'b'],
    );
    registry.require('a').exitNow(5);
    assert.deepStrictEqual(await a.wait(), { exitCode: 5, oomKilled: false });
    registry.require('b').oomKill();
    assert.deepStrictEqual(await b.wait(), { exitCode: 137, oomKilled: true });
    await n1.executor.dispose();
    assert.equal(registry.size, 1, 'a node going away takes its containers with it');
  });

  it("becomes healthy at the first probe, unhealthy after Docker's retries", async () => {
    const hc = {
      Test: ['CMD', 'x'],
      Interval: 1_000 * NS_PER_MS,
      Retries: 3,
      StartPeriod: 2_500 * NS_PER_MS,
    };
    const n = node();
    const ok = await started(n, 'ok', spec({}, { HealthCheck: { ...hc, StartInterval: 500 * NS_PER_MS } }));
    assert.equal(ok.health(), 'starting');
    const seen: string[] = [];
    ok.onHealthChange((h) => seen.push(`${n.vt.now}:${h}`));
    const bad = await started(n, 'bad', spec({ 'shoal.fake.health': 'fail' }, { HealthCheck: hc }));
    bad.onHealthChange((h) => seen.push(`${n.vt.now}:bad-${h}`));
    await n.run(() => false, 10_000);
    // ok: its first probe, inside the start period, comes after StartInterval (500 ms).
    // bad: no StartInterval, so Docker's default 5 s: probes at 5, 6, 7 s, all after the
    // 2.5 s start period, so all count: unhealthy at the third, 7 s.
    assert.deepStrictEqual(seen, ['500:healthy', '7000:bad-unhealthy']);
  });

  it("rejects at prepare when the image is missing, with Docker's message", async () => {
    const n = node({ missingImages: ['ghost'] });
    const c = n.executor.controller(makeTask('a', { Image: 'ghost' }));
    await assert.rejects(n.settle(c.prepare()), /^ExecutorError: No such image: ghost:latest$/);
    n.executor.addImage('ghost');
    await n.settle(c.prepare());
    n.executor.removeImage('nginx:latest');
    const d = n.executor.controller(makeTask('b', { Image: 'nginx' }));
    await assert.rejects(n.settle(d.prepare()), (e: unknown) => isShoalError(e, 'not_found'));
  });

  it('hangs, fails and injects errors on command', async () => {
    const n = node();
    const c = n.executor.controller(makeTask('a', spec({ 'shoal.fake.prepare-ms': '100' })));
    const fake = n.executor.registry.require('a');
    fake.hang('prepare');
    const abort = new AbortController();
    const p = c.prepare(abort.signal);
    await n.run(() => false, 10_000);
    abort.abort();
    await assert.rejects(p, /prepare cancelled/);
    fake.program = { ...fake.program, hang: undefined };
    fake.failNext('prepare', 'registry down', { temporary: true });
    await assert.rejects(c.prepare(), (e: unknown) => (e as { temporary?: boolean }).temporary === true);
    await n.settle(c.prepare());
    await n.settle(c.start());
    fake.fail('container vanished');
    await assert.rejects(c.wait(), /container vanished/);
  });

  it('close() rejects pending waits and leaves the task running; list() finds it', async () => {
    const n = node();
    const c = await started(n, 'a', spec());
    const w = c.wait();
    c.close();
    await assert.rejects(w, /controller closed/);
    await assert.rejects(c.start(), /controller closed/);
    assert.deepStrictEqual(
      (await n.executor.list()).map((t) => [t.taskId, t.running]),
      [['a', true]],
    );
    const again = n.executor.controller(makeTask('a', spec()));
    n.executor.registry.require('a').exitNow(0);
    assert.equal((await again.wait()).exitCode, 0);
  });

  it('keeps logs only when written, and follows them until the exit', async () => {
    const n = node();
    const c = await started(n, 'a', spec());
    const fake = n.executor.registry.require('a');
    assert.equal(fake.logs, undefined);
    fake.log('stdout', 'one\ntwo');
    fake.log('stderr', 'oops');
    const text = (l: TaskLogLine) => `${l.stream}:${new TextDecoder().decode(l.data)}`;
    const all: string[] = [];
    for await (const l of c.logs!({ tail: 2 })) all.push(text(l));
    assert.deepStrictEqual(all, ['stdout:two', 'stderr:oops']);
    const followed: string[] = [];
    const done = (async () => {
      for await (const l of c.logs!({ follow: true, stdout: true })) followed.push(text(l));
    })();
    fake.log('stdout', 'three');
    fake.exitNow(0);
    await done;
    assert.deepStrictEqual(followed, ['stdout:one', 'stdout:two', 'stdout:three']);
  });

  it('replays exactly under the same seed (ids, PIDs, jittered durations)', async () => {
    const trace = async (seed: number) => {
      const n = node({ rng: new SeededRng(seed), jitter: 0.5 });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        const c = await started(
          n,
          `t${i}`,
          spec({ 'shoal.fake.prepare-ms': '1000', 'shoal.fake.start-ms': '100' }),
        );
        out.push(`${n.vt.now.toFixed(3)} ${c.containerStatus().ContainerID} ${c.containerStatus().PID}`);
      }
      return out;
    };
    assert.deepStrictEqual(await trace(1), await trace(1));
    assert.notDeepStrictEqual(await trace(1), await trace(2));
  });

  it('refuses malformed labels and specs without an image', () => {
    const n = node();
    assert.throws(
      () => n.executor.controller(makeTask('a', spec({ 'shoal.fake.on-stop': 'maybe' }))),
      /want one of/,
    );
    assert.throws(() => n.executor.controller(makeTask('b', { Image: '' })), /image required/);
    assert.deepStrictEqual(
      programOf(makeTask('c', spec({ 'shoal.fake.exit': '2', 'shoal.fake.run-ms': '5' }))),
      {
        exitCode: 2,
        runMs: 5,
        onStop: 'exit',
        stopExitCode: 143,
        stopSignal: 'SIGTERM',
        prepareMs: 0,
        startMs: 0,
        stopMs: 0,
      },
    );
  });

  it('stops every timer when the node goes away', async () => {
    const n = node();
    await started(n, 'a', spec({ 'shoal.fake.exit': '0', 'shoal.fake.run-ms': '5000' }));
    const b = n.executor.controller(makeTask('b', spec({ 'shoal.fake.prepare-ms': '5000' })));
    void b.prepare().catch(() => {});
    assert.ok(n.clock.live > 0);
    await n.executor.dispose();
    assert.equal(n.clock.live, 0);
    assert.throws(() => n.executor.controller(makeTask('c', spec())), /executor disposed/);
  });
});
