/**
 * The fake is cheap enough for the simulator: many tasks on many fake nodes sharing one
 * virtual time, each driven by a TaskRunner, reach RUNNING and then SHUTDOWN, with no
 * timer left behind. 20,000 tasks on 1,000 nodes by default; the simulator's full size
 * with SHOAL_FAKE_TASKS=100000 SHOAL_FAKE_NODES=5000 (and `node --expose-gc` to check
 * the memory a running task keeps).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TaskState } from '../../api/task-state.ts';
import { SeededRng } from '../../base/rng.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { TaskRunner } from '../task-runner.ts';
import { makeTask, trackTimers } from '../testing.ts';
import { FakeExecutor } from './executor.ts';
import { FakeRegistry } from './registry.ts';

const TASKS = Number(process.env.SHOAL_FAKE_TASKS ?? 20_000);
const NODES = Number(process.env.SHOAL_FAKE_NODES ?? 1_000);

it(`runs ${TASKS} fake tasks on ${NODES} fake nodes`, async (t) => {
  const vt = new VirtualTime();
  const registry = new FakeRegistry();
  const rng = new SeededRng(11);
  const states = new Map<string, TaskState>();
  const count = (s: TaskState) => [...states.values()].filter((x) => x === s).length;
  const runners: TaskRunner[] = [];
  const clocks: Array<ReturnType<typeof trackTimers>> = [];
  const executors: FakeExecutor[] = [];
  const labels = {
    'shoal.fake.prepare-ms': '2000',
    'shoal.fake.start-ms': '300',
    'shoal.fake.stop-ms': '200',
  };
  const heap0 = heapAfterGc();
  for (let n = 0; n < NODES; n++) {
    const clock = trackTimers(new NodeClock(vt, 1 + (rng.next() - 0.5) / 100));
    const executor = new FakeExecutor({ clock, rng: rng.fork(), registry, hostname: `n${n}`, jitter: 0.5 });
    clocks.push(clock);
    executors.push(executor);
    for (let i = n; i < TASKS; i += NODES) {
      const task = makeTask(`t${i}`, { Image: 'nginx', Labels: labels });
      runners.push(new TaskRunner({ task, executor, clock, report: (id, s) => states.set(id, s.State) }));
    }
  }
  const t0 = performance.now();
  await runFor(vt, 10_000);
  assert.equal(count('running'), TASKS);
  assert.equal(registry.size, TASKS);
  const heap1 = heapAfterGc();
  if (heap0 !== undefined && heap1 !== undefined) {
    const perTask = (heap1 - heap0) / TASKS;
    t.diagnostic(`${Math.round(perTask)} bytes of heap per running task`);
    assert.ok(perTask < 8_000, `${Math.round(perTask)} bytes of heap per running task`);
  }
  for (const r of runners) r.setDesired('shutdown');
  await runFor(vt, 20_000);
  assert.equal(count('shutdown'), TASKS);
  const wallMs = performance.now() - t0;
  t.diagnostic(`${Math.round(wallMs)} ms to start and stop ${TASKS} tasks`);
  assert.ok(wallMs < TASKS, `took ${Math.round(wallMs)} ms`); // < 1 ms per task, generously
  for (const r of runners) r.dispose();
  for (const e of executors) await e.dispose();
  assert.equal(
    clocks.reduce((sum, c) => sum + c.live, 0),
    0,
    'no live timers',
  );
});

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed;
}

/** Runs every event up to `ms` from now, settling promises once per distinct instant. */
async function runFor(vt: VirtualTime, ms: number): Promise<void> {
  const end = vt.now + ms;
  await new Promise((resolve) => setImmediate(resolve));
  for (let fn = vt.next(end); fn; fn = vt.next(end)) {
    fn();
    for (let more = vt.next(vt.now); more; more = vt.next(vt.now)) more();
    await new Promise((resolve) => setImmediate(resolve));
  }
  vt.now = end;
}
