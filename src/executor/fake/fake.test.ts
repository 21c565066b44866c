/**
 * The executor contract on FakeExecutor, twice: on virtual time (the simulator's clock,
 * durations as a real runtime might take them) and on the real clock (short durations),
 * with a timer-leak check after every test.
 */
import assert from 'node:assert/strict';
import { NS_PER_MS } from '../../api/meta.ts';
import type { ContainerSpec } from '../../api/task-spec.ts';
import { realClock } from '../../base/clock.ts';
import { SeededRng } from '../../base/rng.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { type ExecutorHarness, executorContract, type TestProgram } from '../contract.ts';
import { makeTask, pollUntil, runUntil, trackTimers } from '../testing.ts';
import { FakeExecutor } from './executor.ts';

const MISSING = 'shoal-test/missing:1';

/** A fake spec for each test program; `ms` scales the step durations. */
function fakeSpec(p: TestProgram, ms: number): ContainerSpec {
  const steps = {
    'shoal.fake.prepare-ms': String(30 * ms),
    'shoal.fake.start-ms': String(10 * ms),
    'shoal.fake.stop-ms': String(20 * ms),
  };
  const probe = { Interval: 50 * ms * NS_PER_MS, Retries: 3 };
  switch (p.kind) {
    case 'exit':
      return {
        Image: 'busybox',
        Labels: { ...steps, 'shoal.fake.exit': String(p.code), 'shoal.fake.run-ms': String(20 * ms) },
      };
    case 'serve':
      return { Image: 'nginx', Labels: steps };
    case 'ignore-stop':
      return { Image: 'nginx', Labels: { ...steps, 'shoal.fake.on-stop': 'ignore' } };
    case 'healthy':
      return { Image: 'nginx', Labels: steps, HealthCheck: { Test: ['CMD', 'true'], ...probe } };
    case 'unhealthy':
      return {
        Image: 'nginx',
        Labels: { ...steps, 'shoal.fake.health': 'fail' },
        HealthCheck: { Test: ['CMD', 'false'], ...probe },
      };
    case 'missing-image':
      return { Image: MISSING, Labels: steps };
  }
}

function harness(kind: 'virtual' | 'real'): ExecutorHarness {
  const vt = new VirtualTime();
  const clock = trackTimers(kind === 'virtual' ? new NodeClock(vt, 1) : realClock);
  const executor = new FakeExecutor({
    clock,
    rng: new SeededRng(42),
    hostname: 'fake-1',
    missingImages: [MISSING],
    jitter: kind === 'virtual' ? 0.2 : 0,
  });
  let n = 0;
  return {
    executor,
    clock,
    task: (p) => makeTask(`task${++n}`, fakeSpec(p, kind === 'virtual' ? 10 : 1)),
    until: (cond, timeoutMs) =>
      kind === 'virtual' ? runUntil(vt, cond, timeoutMs) : pollUntil(clock, cond, timeoutMs),
    exists: async (id) => executor.container(id) !== undefined,
    async dispose() {
      await executor.dispose();
      assert.equal(clock.live, 0, 'no timer outlives its owner');
    },
  };
}

executorContract('FakeExecutor (virtual time)', async () => harness('virtual'), {
  graceMs: 2_000,
  slackMs: 0,
});
executorContract('FakeExecutor (real clock)', async () => harness('real'), { graceMs: 300, slackMs: 30 });
