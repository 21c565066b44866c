/**
 * The executor contract: the one suite the fake, process and Docker executors all pass.
 * It drives tasks through a real TaskRunner (so it checks what the agent will report)
 * and pokes controllers directly where the promise is theirs (grace then kill, exit
 * codes, close vs remove). An implementation plugs in with a harness: an executor, a way
 * to build a task for each test program, its clock, and a way to let time pass.
 *
 *   executorContract('FakeExecutor', async () => fakeHarness(), { graceMs: 500 });
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_MS } from '../api/meta.ts';
import type { Task } from '../api/task.ts';
import type { TaskState } from '../api/task-state.ts';
import type { Clock } from '../base/clock.ts';
import type { Executor } from './executor.ts';
import { type StatusListener, TaskRunner } from './task-runner.ts';
import { StatusLog } from './testing.ts';

/** What a test needs a task to do; each harness turns it into a spec for its runtime. */
export type TestProgram =
  /** Exits by itself with `code` soon after it starts. */
  | { kind: 'exit'; code: number }
  /** Runs until stopped; exits on its stop signal. */
  | { kind: 'serve' }
  /** Runs until stopped; ignores its stop signal, so only SIGKILL ends it. */
  | { kind: 'ignore-stop' }
  /** Serves, with a health check that passes (within ~1 s). */
  | { kind: 'healthy' }
  /** Serves, with a health check that always fails (unhealthy within ~3 s). */
  | { kind: 'unhealthy' }
  /** Its image exists nowhere. */
  | { kind: 'missing-image' };

export interface ExecutorHarness {
  readonly executor: Executor;
  readonly clock: Clock;
  /** A fresh task (new id, ASSIGNED, desired RUNNING) running `program`. */
  task(program: TestProgram): Task;
  /** Lets time pass until `cond()` holds or `timeoutMs` pass on the clock; returns cond(). */
  until(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  /** Whether anything of the task (container, process, files) is still on the node. */
  exists(taskId: string): Promise<boolean>;
  dispose(): Promise<void>;
}

export interface ContractOptions {
  /** The stop grace period the suite gives its tasks (default 1000 ms). */
  graceMs?: number;
  /** Tolerance on timing assertions (default 300 ms). */
  slackMs?: number;
  /** How long any one expected change may take (default 20 s). */
  timeoutMs?: number;
}

/** Awaits `p` while letting the harness's time pass (virtual time only moves when driven). */
export async function drive<T>(
  h: Pick<ExecutorHarness, 'until'>,
  p: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  assert.ok(await h.until(() => outcome !== undefined, timeoutMs), 'operation did not finish in time');
  if (outcome?.ok) return outcome.value;
  throw outcome?.error;
}

export function executorContract(
  name: string,
  makeHarness: () => Promise<ExecutorHarness>,
  opts: ContractOptions = {},
): void {
  const graceMs = opts.graceMs ?? 1_000;
  const slackMs = opts.slackMs ?? 300;
  const timeoutMs = opts.timeoutMs ?? 20_000;

  interface RunCtx {
    h: ExecutorHarness;
    task: Task;
    runner: TaskRunner;
    log: StatusLog;
    /** The controller's health at each report, as `state:health`. */
    health: string[];
  }

  /** Runs `body` with a fresh harness, a task for `program` and a runner reporting to a log. */
  async function withRunner(
    program: TestProgram,
    body: (ctx: RunCtx) => Promise<void>,
    desired: TaskState = 'running',
  ): Promise<void> {
    const h = await makeHarness();
    const log = new StatusLog();
    const health: string[] = [];
    const task = { ...h.task(program), DesiredState: desired };
    task.Spec.ContainerSpec = { ...task.Spec.ContainerSpec!, StopGracePeriod: graceMs * NS_PER_MS };
    let runner: TaskRunner | undefined;
    const report: StatusListener = (id, s) => {
      log.listener(id, s);
      health.push(`${s.State}:${runner?.controller?.health() ?? 'none'}`);
    };
    runner = new TaskRunner({ task, executor: h.executor, clock: h.clock, report });
    try {
      await body({ h, task, runner, log, health });
      log.assertForward();
    } finally {
      await drive(h, runner.remove(), graceMs + timeoutMs);
      await h.dispose();
    }
  }

  const reach = async (h: ExecutorHarness, log: StatusLog, pred: () => boolean, what: string) => {
    assert.ok(await h.until(pred, timeoutMs), `${what}; states so far: ${log.states.join(', ') || '(none)'}`);
  };
  const terminal = (log: StatusLog) => () =>
    ['complete', 'shutdown', 'failed', 'rejected'].includes(log.state ?? '');

  describe(`${name}: executor contract`, () => {
    it('describes its node', async () => {
      const h = await makeHarness();
      try {
        const d = await h.executor.describe();
        assert.ok(d.Hostname.length > 0, 'hostname');
        assert.ok(d.Platform.OS, 'platform OS');
        assert.ok(d.Resources.NanoCPUs > 0 && d.Resources.MemoryBytes > 0, 'resources');
      } finally {
        await h.dispose();
      }
    });

    it('runs a task ACCEPTED, PREPARING, READY, STARTING, RUNNING with Docker messages', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        assert.deepStrictEqual(log.states, ['accepted', 'preparing', 'ready', 'starting', 'running']);
        assert.deepStrictEqual(
          log.statuses.map((s) => s.Message),
          ['accepted', 'preparing', 'prepared', 'starting', 'started'],
        );
        assert.ok(log.find('running')?.ContainerStatus?.ContainerID, 'RUNNING carries the container id');
      });
    });

    it('exit 0 -> COMPLETE "finished"', async () => {
      await withRunner({ kind: 'exit', code: 0 }, async ({ h, log }) => {
        await reach(h, log, terminal(log), 'task ends');
        assert.equal(log.state, 'complete');
        assert.equal(log.last?.Message, 'finished');
        assert.equal(log.last?.Err, undefined);
        assert.equal(log.last?.ContainerStatus?.ExitCode, 0);
      });
    });

    it('exit 3 -> FAILED "task: non-zero exit (3)"', async () => {
      await withRunner({ kind: 'exit', code: 3 }, async ({ h, log }) => {
        await reach(h, log, terminal(log), 'task ends');
        assert.equal(log.state, 'failed');
        assert.equal(log.last?.Err, 'task: non-zero exit (3)');
        assert.equal(log.last?.ContainerStatus?.ExitCode, 3);
      });
    });

    it('wait() gives the exit code, the same to every caller', async () => {
      await withRunner({ kind: 'exit', code: 3 }, async ({ h, log, runner }) => {
        await reach(h, log, terminal(log), 'task ends');
        const ctlr = runner.controller!;
        const [a, b] = await drive(h, Promise.all([ctlr.wait(), ctlr.wait()]), timeoutMs);
        assert.equal(a.exitCode, 3);
        assert.deepStrictEqual(a, b);
        assert.equal(a.oomKilled, false);
      });
    });

    it('desired SHUTDOWN: a task that honours its stop signal stops within the grace period', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log, runner }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        const t0 = h.clock.now();
        runner.setDesired('shutdown');
        await reach(h, log, terminal(log), 'task stops');
        assert.equal(log.state, 'shutdown');
        assert.equal(log.last?.Message, 'shutdown');
        assert.equal(log.last?.Err, undefined);
        assert.ok(h.clock.now() - t0 < graceMs, `stopped in ${h.clock.now() - t0} ms, grace ${graceMs}`);
      });
    });

    it('desired SHUTDOWN: a task ignoring its stop signal is killed after the grace period', async () => {
      await withRunner({ kind: 'ignore-stop' }, async ({ h, log, runner }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        const t0 = h.clock.now();
        runner.setDesired('shutdown');
        await reach(h, log, terminal(log), 'task stops');
        const took = h.clock.now() - t0;
        assert.equal(log.state, 'shutdown');
        assert.ok(took >= graceMs - slackMs, `killed after ${took} ms, before the ${graceMs} ms grace`);
        assert.equal(
          (await drive(h, runner.controller!.wait(), timeoutMs)).exitCode,
          137,
          'ended by SIGKILL',
        );
      });
    });

    it('controller: shutdown(grace) resolves once SIGKILL ended an ignoring process', async () => {
      const h = await makeHarness();
      const ctlr = h.executor.controller(h.task({ kind: 'ignore-stop' }));
      try {
        await drive(h, ctlr.prepare(), timeoutMs);
        await drive(h, ctlr.start(), timeoutMs);
        const t0 = h.clock.now();
        await drive(h, ctlr.shutdown(graceMs), graceMs + timeoutMs);
        assert.ok(h.clock.now() - t0 >= graceMs - slackMs, 'not before the grace period');
        assert.equal((await drive(h, ctlr.wait(), timeoutMs)).exitCode, 137);
        assert.equal(ctlr.containerStatus().ExitCode, 137);
      } finally {
        await drive(h, ctlr.remove(), timeoutMs);
        ctlr.close();
        await h.dispose();
      }
    });

    it('missing image -> REJECTED "No such image: …" without starting', async () => {
      await withRunner({ kind: 'missing-image' }, async ({ h, log }) => {
        await reach(h, log, terminal(log), 'task ends');
        assert.deepStrictEqual(log.states, ['accepted', 'preparing', 'rejected']);
        assert.match(log.last?.Err ?? '', /^No such image: /);
        assert.equal(log.last?.Message, 'preparing', 'a failure keeps the message of the state it failed in');
      });
    });

    it('health gate: RUNNING only once the health check passed', async () => {
      await withRunner({ kind: 'healthy' }, async ({ h, log, health }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        assert.deepStrictEqual(log.states, ['accepted', 'preparing', 'ready', 'starting', 'running']);
        assert.equal(health.at(-1), 'running:healthy');
      });
    });

    it("failing health check -> FAILED with Docker's message, never RUNNING", async () => {
      await withRunner({ kind: 'unhealthy' }, async ({ h, log }) => {
        await reach(h, log, terminal(log), 'task ends');
        assert.equal(log.state, 'failed');
        assert.ok(!log.has('running'), `never RUNNING: ${log.states.join(', ')}`);
        assert.match(
          log.last?.Err ?? '',
          /^(task: non-zero exit \(\d+\): )?dockerexec: unhealthy container$/,
        );
      });
    });

    it('desired READY: prepares, waits at READY, starts once desired RUNNING', async () => {
      await withRunner(
        { kind: 'serve' },
        async ({ h, log, runner }) => {
          await reach(h, log, () => log.has('ready'), 'task reaches READY');
          assert.equal(await h.until(() => log.state !== 'ready', 50), false, 'waits at READY');
          runner.update({ DesiredState: 'running' });
          await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
          assert.deepStrictEqual(log.states, ['accepted', 'preparing', 'ready', 'starting', 'running']);
        },
        'ready',
      );
    });

    it('desired SHUTDOWN before the task started: SHUTDOWN, nothing runs', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log, runner }) => {
        runner.setDesired('shutdown');
        await reach(h, log, terminal(log), 'task ends');
        assert.equal(log.state, 'shutdown');
        assert.ok(!log.has('running') && !log.has('starting'), log.states.join(', '));
      });
    });

    it('a lower desired state is ignored: never a backward state', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log, runner }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        runner.update({ DesiredState: 'ready' });
        assert.equal(await h.until(() => log.state !== 'running', 50), false, 'stays RUNNING');
        assert.equal(runner.desired, 'running');
      });
    });

    it('remove() stops a running task and leaves nothing on the node', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log, runner, task }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        await drive(h, runner.remove(), graceMs + timeoutMs);
        assert.equal(log.state, 'shutdown');
        assert.equal(await h.exists(task.ID), false, 'nothing left on the node');
        const listed = (await h.executor.list?.()) ?? [];
        assert.ok(!listed.some((t) => t.taskId === task.ID), 'not listed');
      });
    });

    it('remove() cleans up an exited task', async () => {
      await withRunner({ kind: 'exit', code: 0 }, async ({ h, log, runner, task }) => {
        await reach(h, log, terminal(log), 'task ends');
        assert.equal(await h.exists(task.ID), true, 'an exited task stays until removed');
        await drive(h, runner.remove(), graceMs + timeoutMs);
        assert.equal(await h.exists(task.ID), false);
      });
    });

    it('close() leaves the task running: a new runner adopts it', async () => {
      await withRunner({ kind: 'serve' }, async ({ h, log, runner, task }) => {
        await reach(h, log, () => log.has('running'), 'task reaches RUNNING');
        runner.dispose();
        assert.equal(await h.exists(task.ID), true);
        const listed = (await h.executor.list?.()) ?? [{ taskId: task.ID, running: true }];
        assert.ok(
          listed.some((t) => t.taskId === task.ID && t.running),
          'listed as running',
        );
        const log2 = new StatusLog();
        const adopted = { ...task, Status: runner.current };
        const again = new TaskRunner({
          task: adopted,
          executor: h.executor,
          clock: h.clock,
          report: log2.listener,
        });
        try {
          again.setDesired('shutdown');
          await reach(h, log2, terminal(log2), 'adopted task stops');
          assert.deepStrictEqual(log2.states, ['shutdown']);
        } finally {
          await drive(h, again.remove(), graceMs + timeoutMs);
        }
      });
    });
  });
}
